package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.order;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.testsupport.TestTokens;
import dev.cairn.testsupport.TopicReader;

/** A caller's trace (W3C traceparent in gRPC metadata) continues on the Kafka records the call produced. */
@QuarkusTest
class TracePropagationTest {

    @Test
    void the_callers_trace_id_travels_from_grpc_metadata_into_the_kafka_headers() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String messageId = id("traced");
        Metadata metadata = new Metadata();
        metadata.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
                "00-" + traceId + "-00f067aa0ba902b7-01");
        ManagedChannel channel = TestChannels.open();
        try {
            IngestServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(TestTokens.bearer(IngestFixtures.token("ingest.write")))
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
                    .ingestBatch(IngestBatchRequest.newBuilder().setSourceId("backend").addEvents(order(messageId, "u"))
                            .build());
        } finally {
            channel.shutdownNow();
        }
        var records = TopicReader.read("cairn.events.governed.v1",
                r -> IngestFixtures.event(r).getMessageId().equals(messageId), 1, Duration.ofSeconds(20));
        assertEquals(1, records.size());
        var header = records.get(0).headers().lastHeader("traceparent");
        assertNotNull(header, "the record carries a traceparent header");
        String traceparent = new String(header.value(), StandardCharsets.UTF_8);
        assertTrue(traceparent.contains(traceId), "same trace as the caller: " + traceparent);
    }
}
