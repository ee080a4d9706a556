package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.governed;
import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.order;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.google.rpc.RetryInfo;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.ingest.v1.IngestStreamRequest;
import dev.cairn.proto.ingest.v1.IngestStreamResponse;
import dev.cairn.testsupport.TestTokens;

@QuarkusTest
class IngestStreamAndBackpressureTest {

    @Test
    void a_client_stream_of_batches_is_answered_per_event_with_indexes_over_the_whole_stream() throws Exception {
        String user = id("user");
        List<EventInput> first = List.of(order(id("s"), user), order(id("s"), user));
        List<EventInput> second = List.of(order(id("s"), user));
        ManagedChannel channel = TestChannels.open();
        try {
            CompletableFuture<IngestStreamResponse> done = new CompletableFuture<>();
            StreamObserver<IngestStreamRequest> requests = IngestServiceGrpc.newStub(channel)
                    .withCallCredentials(TestTokens.bearer(IngestFixtures.token("ingest.write")))
                    .ingestStream(new StreamObserver<>() {
                        @Override
                        public void onNext(IngestStreamResponse value) {
                            done.complete(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            requests.onNext(IngestStreamRequest.newBuilder().setSourceId("backend").addAllEvents(first).build());
            requests.onNext(IngestStreamRequest.newBuilder().setSourceId("backend").addAllEvents(second).build());
            requests.onCompleted();
            IngestStreamResponse response = done.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(List.of(0, 1, 2), response.getResultsList().stream().map(r -> r.getIndex()).toList());
            assertTrue(
                    response.getResultsList().stream()
                            .allMatch(r -> r.getOutcome() == EventOutcome.EVENT_OUTCOME_ACCEPTED),
                    response.toString());
        } finally {
            channel.shutdownNow();
        }
        Set<String> ids = new java.util.HashSet<>();
        first.forEach(e -> ids.add(e.getMessageId()));
        second.forEach(e -> ids.add(e.getMessageId()));
        assertEquals(ids, governed(e -> ids.contains(e.getMessageId()), 3, Duration.ofSeconds(20)).stream()
                .map(Event::getMessageId).collect(Collectors.toSet()));
    }

    @Test
    void a_source_over_its_rate_limit_gets_resource_exhausted_and_is_told_when_to_retry() throws Exception {
        // The web source allows 5,000 events/s per instance (a bucket of 5,000 refilled at 5,000/s): eight
        // batches of 2,500 sent at once are 20,000 events, more than the bucket can hold unless their arrival
        // is spread over three seconds. Their own threads, so they really are sent together; on a loaded
        // machine the arrival can spread that far, so a round is repeated (at most four times) until one is
        // refused. A limiter that never refuses fails all four.
        ManagedChannel channel = TestChannels.open();
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            var stub = IngestServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(TestTokens.bearer(IngestFixtures.token("ingest.write")));
            List<StatusRuntimeException> refused = new ArrayList<>();
            for (int round = 0; round < 4 && refused.isEmpty(); round++) {
                List<CompletableFuture<Object>> calls = new ArrayList<>();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                for (int i = 0; i < 8; i++) {
                    List<EventInput> batch = IntStream.range(0, 2500).mapToObj(n -> order(id("rl"), id("u")))
                            .toList();
                    IngestBatchRequest request = IngestBatchRequest.newBuilder().setSourceId("web")
                            .addAllEvents(batch).build();
                    calls.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            go.await();
                            return stub.ingestBatch(request);
                        } catch (StatusRuntimeException e) {
                            return e;
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return e;
                        }
                    }, senders));
                }
                go.countDown();
                for (CompletableFuture<Object> call : calls) {
                    Object result = call.get(120, java.util.concurrent.TimeUnit.SECONDS);
                    if (result instanceof StatusRuntimeException e) {
                        refused.add(e);
                    }
                }
            }
            assertTrue(!refused.isEmpty(), "at least one batch is refused");
            for (StatusRuntimeException e : refused) {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
                RetryInfo retry = StatusProto.fromThrowable(e).getDetails(0).unpack(RetryInfo.class);
                assertTrue(retry.getRetryDelay().getSeconds() >= 1, "the client is told when to retry");
                // The same delay reaches gRPC clients' retry policies (cairn-client's) through the shared HTTP server.
                assertEquals(Long.toString(retry.getRetryDelay().getSeconds() * 1000
                        + retry.getRetryDelay().getNanos() / 1_000_000),
                        e.getTrailers()
                                .get(Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER)),
                        "grpc-retry-pushback-ms");
            }
        } finally {
            senders.shutdownNow();
            channel.shutdownNow();
        }
    }
}
