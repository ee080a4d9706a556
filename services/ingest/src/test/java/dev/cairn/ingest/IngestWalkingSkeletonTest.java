package dev.cairn.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestBatchResponse;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.testsupport.TestTokens;
import dev.cairn.testsupport.TopicReader;

@QuarkusTest
class IngestWalkingSkeletonTest {

    @Test
    void an_event_sent_over_grpc_lands_on_the_governed_topic_keyed_by_user_id() throws Exception {
        String messageId = "skeleton-" + UUID.randomUUID();
        ManagedChannel channel = TestChannels.open();
        try {
            IngestBatchResponse response = IngestServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(TestTokens.bearer(IngestFixtures.token("ingest.write")))
                    .ingestBatch(IngestBatchRequest.newBuilder().setSourceId("backend")
                            .addEvents(EventInput.newBuilder().setMessageId(messageId)
                                    .setType(EventType.EVENT_TYPE_TRACK).setEvent("Order Completed")
                                    .setUserId("user-42"))
                            .build());
            assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, response.getResults(0).getOutcome());
        } finally {
            channel.shutdownNow();
        }

        var records = TopicReader.read("cairn.events.governed.v1",
                r -> messageId.equals(parse(r.value()).getMessageId()),
                1, Duration.ofSeconds(20));
        assertEquals(1, records.size(), "the accepted event is on Kafka exactly once");
        assertEquals("user-42", new String(records.get(0).key()));
        assertEquals("Order Completed", parse(records.get(0).value()).getEvent());
    }

    private static Event parse(byte[] value) {
        try {
            return Event.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
