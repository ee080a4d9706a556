package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.order;
import static dev.cairn.ingest.IngestFixtures.tokenFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;
import com.google.rpc.ErrorInfo;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.ingest.v1.IngestStreamRequest;
import dev.cairn.proto.ingest.v1.IngestStreamResponse;
import dev.cairn.proto.ingest.v1.RedriveQuarantineRequest;
import dev.cairn.proto.ingest.v1.ReplayRawRequest;
import dev.cairn.proto.ingest.v1.TimeRange;
import dev.cairn.testsupport.TestTokens;
import dev.cairn.testsupport.TopicReader;

/**
 * A gRPC caller writes, re-drives and replays only as the sources its token's {@code cairn_sources} claim grants
 * (issue 13, item 9), on the real service, Kafka and Redis: a source it is not granted is PERMISSION_DENIED naming
 * the source, for the whole request, and nothing of the request is kept.
 */
@QuarkusTest
class SourceBoundTokensTest {

    private static final String WRITE = "ingest.write";

    @Test
    void a_token_granted_a_source_writes_to_it() {
        String messageId = id("granted");
        EventResult result = batch(tokenFor(List.of("backend"), WRITE), "backend",
                List.of(order(messageId, id("user")))).get(0);
        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, result.getOutcome(), result.toString());
        Event stored = IngestFixtures.governed(e -> e.getMessageId().equals(messageId), 1, Duration.ofSeconds(20))
                .get(0);
        assertEquals("backend", stored.getSourceId());
    }

    @Test
    void the_same_token_is_refused_for_a_source_it_is_not_granted_naming_it_and_nothing_of_the_request_is_kept() {
        String user = id("user");
        List<EventInput> events = List.of(order(id("not-granted"), user), order(id("not-granted"), user));
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> batch(tokenFor(List.of("backend"), WRITE), "web", events));
        assertNotGranted(refused, "web");
        assertNothingLanded(events, user, "web");
        // Nor was anything reserved in dedup: the same events sent by a token granted web are new (web's EU opt-in
        // purposes may suppress them for destinations; they are stored, neither DUPLICATE nor in flight).
        batch(tokenFor(List.of("web"), WRITE), "web", events).forEach(r -> assertTrue(
                Set.of(EventOutcome.EVENT_OUTCOME_ACCEPTED, EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_CONSENT)
                        .contains(r.getOutcome()),
                r.toString()));
    }

    @Test
    void a_token_with_the_role_but_no_source_granted_is_refused() {
        String user = id("user");
        List<EventInput> events = List.of(order(id("no-sources"), user));
        for (String token : List.of(TestTokens.withRoles(WRITE), tokenFor(List.of(), WRITE),
                // No wildcard: "*" is no source id, so it grants nothing.
                tokenFor(List.of("*"), WRITE),
                TestTokens.withClaims(Map.of(IngestFixtures.SOURCES_CLAIM, Map.of("backend", true)), WRITE))) {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> batch(token, "backend", events));
            assertNotGranted(refused, "backend");
        }
        assertNothingLanded(events, user, "backend");
    }

    @Test
    void an_unknown_source_is_still_invalid_argument_whatever_the_token_grants() {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> batch(tokenFor(List.of("backend"), WRITE), "no-such-source",
                        List.of(order(id("unknown"), id("user")))));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.getStatus().toString());
    }

    @Test
    void a_stream_to_a_source_the_token_is_not_granted_is_refused_at_its_first_message() throws Exception {
        String user = id("user");
        List<EventInput> events = List.of(order(id("stream-first"), user));
        StatusRuntimeException refused = streamFails(tokenFor(List.of("backend"), WRITE),
                List.of(message("web", events)));
        assertNotGranted(refused, "web");
        assertNothingLanded(events, user, "web");
    }

    @Test
    void a_stream_that_begins_with_a_granted_source_is_refused_when_a_later_message_names_one_not_granted()
            throws Exception {
        String user = id("user");
        List<EventInput> granted = List.of(order(id("stream-a"), user));
        List<EventInput> switched = List.of(order(id("stream-b"), user), order(id("stream-b"), user));
        StatusRuntimeException refused = streamFails(tokenFor(List.of("backend"), WRITE),
                List.of(message("backend", granted), message("web", switched)));
        assertNotGranted(refused, "web");
        assertNothingLanded(switched, user, "backend");
    }

    @Test
    void a_stream_writes_as_one_source_later_messages_may_leave_it_empty_and_switching_to_another_granted_one_is_invalid()
            throws Exception {
        String token = tokenFor(List.of("backend", "web"), WRITE);
        String user = id("user");
        List<EventInput> first = List.of(order(id("one-source"), user));
        List<EventInput> second = List.of(order(id("one-source"), user));
        IngestStreamResponse response = stream(token, List.of(message("backend", first), message("", second)))
                .get(60, TimeUnit.SECONDS);
        assertEquals(2, response.getResultsCount());
        response.getResultsList().forEach(
                r -> assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, r.getOutcome(), r.toString()));
        Set<String> ids = Set.of(first.get(0).getMessageId(), second.get(0).getMessageId());
        assertEquals(Set.of("backend"), IngestFixtures.governed(e -> ids.contains(e.getMessageId()), 2,
                Duration.ofSeconds(20)).stream().map(Event::getSourceId).collect(Collectors.toSet()));

        List<EventInput> switched = List.of(order(id("switched"), user));
        StatusRuntimeException refused = streamFails(token,
                List.of(message("backend", List.of(order(id("one-source"), user))), message("web", switched)));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.getStatus().toString());
        assertTrue(refused.getStatus().getDescription().contains("'web'"), refused.getStatus().toString());
        assertNothingLanded(switched, user, "backend");
    }

    @Test
    void an_operator_re_drives_and_replays_only_the_sources_its_token_grants() {
        String operator = tokenFor(List.of("backend"), "ingest.operator");
        ManagedChannel channel = TestChannels.open();
        try {
            var stub = IngestServiceGrpc.newBlockingStub(channel).withCallCredentials(TestTokens.bearer(operator));
            Instant now = Instant.now();
            TimeRange lastMinute = TimeRange.newBuilder().setStart(timestamp(now.minusSeconds(60)))
                    .setEnd(timestamp(now)).build();
            assertNotGranted(assertThrows(StatusRuntimeException.class, () -> stub.replayRaw(ReplayRawRequest
                    .newBuilder().setSourceId("web").setReceived(lastMinute).setDryRun(true).build())), "web");
            assertNotGranted(assertThrows(StatusRuntimeException.class, () -> stub.redriveQuarantine(
                    RedriveQuarantineRequest.newBuilder().setSourceId("web").setDryRun(true).build())), "web");
            // Every source (no source_id) needs every source granted; the message lists the missing ones.
            StatusRuntimeException every = assertThrows(StatusRuntimeException.class, () -> stub.redriveQuarantine(
                    RedriveQuarantineRequest.newBuilder().setQuarantined(lastMinute).setDryRun(true).build()));
            assertEquals(Status.Code.PERMISSION_DENIED, every.getStatus().getCode(), every.getStatus().toString());
            assertTrue(every.getStatus().getDescription().contains("[mobile, web]"), every.getStatus().toString());
            // Its own source passes.
            stub.replayRaw(ReplayRawRequest.newBuilder().setSourceId("backend").setReceived(lastMinute)
                    .setDryRun(true).build());
            stub.redriveQuarantine(RedriveQuarantineRequest.newBuilder().setSourceId("backend")
                    .setQuarantined(lastMinute).setDryRun(true).build());
        } finally {
            channel.shutdownNow();
        }
    }

    // ------------------------------------------------------------------------------------------- helpers

    private static void assertNotGranted(StatusRuntimeException refused, String source) {
        assertEquals(Status.Code.PERMISSION_DENIED, refused.getStatus().getCode(), refused.getStatus().toString());
        assertTrue(refused.getStatus().getDescription().contains("source '" + source + "' is not granted"),
                refused.getStatus().toString());
        ErrorInfo info = StatusProto.fromThrowable(refused).getDetailsList().stream()
                .filter(d -> d.is(ErrorInfo.class)).findFirst().map(d -> {
                    try {
                        return d.unpack(ErrorInfo.class);
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new AssertionError(e);
                    }
                }).orElseThrow(() -> new AssertionError("no ErrorInfo in " + refused.getStatus()));
        assertEquals("SOURCE_NOT_GRANTED", info.getReason());
        assertEquals(source, info.getMetadataOrThrow("source_id"));
    }

    /**
     * None of {@code events} is on the raw topic (where every event not quarantined goes, before consent). The
     * events all have {@code user}'s key, so they would share a partition with a marker event sent now for
     * {@code markerSource}: anything of them written would be read before the marker.
     */
    private static void assertNothingLanded(List<EventInput> events, String user, String markerSource) {
        Set<String> ids = events.stream().map(EventInput::getMessageId).collect(Collectors.toSet());
        String marker = id("marker");
        batch(tokenFor(List.of(markerSource), WRITE), markerSource, List.of(order(marker, user)));
        List<String> landed = new ArrayList<>();
        TopicReader.read("cairn.events.raw.v1", r -> {
            String messageId = IngestFixtures.event(r).getMessageId();
            if (ids.contains(messageId)) {
                landed.add(messageId);
            }
            return messageId.equals(marker);
        }, 1, Duration.ofSeconds(30));
        assertEquals(List.of(), landed, "events of a refused request or message were written");
    }

    private static List<EventResult> batch(String token, String source, List<EventInput> events) {
        ManagedChannel channel = TestChannels.open();
        try {
            return IngestServiceGrpc.newBlockingStub(channel).withCallCredentials(TestTokens.bearer(token))
                    .ingestBatch(IngestBatchRequest.newBuilder().setSourceId(source).addAllEvents(events).build())
                    .getResultsList();
        } finally {
            channel.shutdownNow();
        }
    }

    private static IngestStreamRequest message(String source, List<EventInput> events) {
        return IngestStreamRequest.newBuilder().setSourceId(source).addAllEvents(events).build();
    }

    private static StatusRuntimeException streamFails(String token, List<IngestStreamRequest> messages)
            throws Exception {
        try {
            IngestStreamResponse response = stream(token, messages).get(60, TimeUnit.SECONDS);
            throw new AssertionError("the stream was answered " + response);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException refused) {
                return refused;
            }
            throw e;
        }
    }

    private static CompletableFuture<IngestStreamResponse> stream(String token, List<IngestStreamRequest> messages) {
        ManagedChannel channel = TestChannels.open();
        CompletableFuture<IngestStreamResponse> done = new CompletableFuture<>();
        StreamObserver<IngestStreamRequest> requests = IngestServiceGrpc.newStub(channel)
                .withCallCredentials(TestTokens.bearer(token)).ingestStream(new StreamObserver<>() {
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
        messages.forEach(requests::onNext);
        requests.onCompleted();
        done.whenComplete((response, failure) -> channel.shutdownNow());
        return done;
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }
}
