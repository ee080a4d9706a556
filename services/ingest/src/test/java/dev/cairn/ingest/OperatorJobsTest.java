package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.governed;
import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.order;
import static dev.cairn.ingest.IngestFixtures.read;
import static dev.cairn.ingest.IngestFixtures.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.QuarantinedEvent;
import dev.cairn.proto.events.v1.SubjectSuppressed;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.ingest.v1.RedriveQuarantineRequest;
import dev.cairn.proto.ingest.v1.ReplayRawRequest;
import dev.cairn.proto.ingest.v1.TimeRange;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TestTokens;

/** Re-drive and replay keep messageIds, so running them twice never duplicates. */
@QuarkusTest
class OperatorJobsTest {

    @Inject
    ConsentStateView consentView;

    private static IngestServiceGrpc.IngestServiceBlockingStub operator(ManagedChannel channel) {
        return IngestServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(IngestFixtures.token("ingest.operator")));
    }

    @Test
    void an_event_quarantined_under_an_older_contract_is_redriven_once_and_a_second_redrive_is_a_duplicate()
            throws Exception {
        // As if quarantined when the plan lacked the event's current shape: valid under today's contracts.
        String messageId = id("redrive");
        EventInput fixed = order(messageId, id("user"));
        Instant now = Instant.now();
        QuarantinedEvent q = QuarantinedEvent.newBuilder().setPayload(fixed.toByteString())
                .setContentType("application/x-protobuf; messageType=cairn.ingest.v1.EventInput").setSourceId("backend")
                .setMessageId(messageId).setQuarantinedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .addViolations(Violation.newBuilder().setType(ViolationType.VIOLATION_TYPE_UNPLANNED_EVENT)
                        .setJsonPath("$.event"))
                .build();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(RealInfra.kafka().operatorConfig(Map.of()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("cairn.events.quarantine.v1", "backend:" + messageId, q.toByteArray()))
                    .get();
        }
        ManagedChannel channel = TestChannels.open();
        try {
            RedriveQuarantineRequest request = RedriveQuarantineRequest.newBuilder().setSourceId("backend")
                    .addMessageIds(messageId).build();
            var dry = operator(channel).redriveQuarantine(request.toBuilder().setDryRun(true).build());
            assertEquals(1, dry.getCounts().getAccepted(), dry.toString());
            assertTrue(governed(e -> e.getMessageId().equals(messageId), 1, Duration.ofSeconds(3)).isEmpty(),
                    "a dry run publishes nothing");

            var first = operator(channel).redriveQuarantine(request);
            assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, first.getResults(0).getOutcome(), first.toString());
            var second = operator(channel).redriveQuarantine(request);
            assertEquals(EventOutcome.EVENT_OUTCOME_DUPLICATE, second.getResults(0).getOutcome(), second.toString());
        } finally {
            channel.shutdownNow();
        }
        assertEquals(1, governed(e -> e.getMessageId().equals(messageId), 2, Duration.ofSeconds(8)).size(),
                "re-driven exactly once");
    }

    @Test
    void an_event_still_invalid_is_reported_with_its_violations_by_a_dry_run() {
        String messageId = id("still-bad");
        EventInput bad = EventInput.newBuilder().setMessageId(messageId).setType(EventType.EVENT_TYPE_TRACK)
                .setEvent("Mystery Clicked").setUserId(id("user")).build();
        assertEquals(EventOutcome.EVENT_OUTCOME_QUARANTINED, send("web", List.of(bad)).getResults(0).getOutcome());
        ManagedChannel channel = TestChannels.open();
        try {
            var dry = operator(channel).redriveQuarantine(RedriveQuarantineRequest.newBuilder().setSourceId("web")
                    .addMessageIds(messageId).setDryRun(true).build());
            assertEquals(1, dry.getCounts().getQuarantined(), dry.toString());
            assertEquals(ViolationType.VIOLATION_TYPE_UNPLANNED_EVENT, dry.getResults(0).getViolations(0).getType());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void replaying_raw_events_that_already_went_through_duplicates_nothing() {
        Instant start = Instant.now().minusSeconds(1);
        String messageId = id("replay");
        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED,
                send("backend", List.of(order(messageId, id("user")))).getResults(0).getOutcome());
        Instant end = Instant.now().plusSeconds(1);
        ManagedChannel channel = TestChannels.open();
        try {
            var replay = operator(channel).replayRaw(ReplayRawRequest.newBuilder().setSourceId("backend")
                    .setReceived(
                            TimeRange.newBuilder().setStart(Timestamp.newBuilder().setSeconds(start.getEpochSecond()))
                                    .setEnd(Timestamp.newBuilder().setSeconds(end.getEpochSecond())))
                    .build());
            assertTrue(replay.getCounts().getDuplicate() >= 1, replay.toString());
            assertEquals(0, replay.getCounts().getAccepted(), "nothing new went through: " + replay);
        } finally {
            channel.shutdownNow();
        }
        assertEquals(1, governed(e -> e.getMessageId().equals(messageId), 2, Duration.ofSeconds(6)).size());
    }

    @Test
    void an_identifier_on_the_suppression_topic_is_dropped_and_a_replay_does_not_bring_it_back() throws Exception {
        Instant start = Instant.now().minusSeconds(1);
        String user = id("forgotten");
        String before = id("before-erasure");
        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED,
                send("backend", List.of(order(before, user))).getResults(0).getOutcome());
        Instant end = Instant.now().plusSeconds(1);

        // What consent's erasure publishes: the keyed hash only, no tombstone on the state topic needed.
        String key = SubjectKeys.key("user_id", user);
        String hash = SubjectKeys.suppressionHash(key, "dev-only-suppression-key-change-me");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(RealInfra.kafka().operatorConfig(Map.of()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("cairn.privacy.suppression.v1", hash, SubjectSuppressed.newBuilder()
                    .setIdentifierHash(hash).setRequestId("test").build().toByteArray())).get();
        }
        Awaitility.await("the view reads the suppression entry").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)).until(() -> consentView.suppressed(key));
        assertTrue(consentView.erased(key), "a suppressed subject is erased for the gate");

        String after = id("after-erasure");
        EventResult fresh = send("backend", List.of(order(after, user))).getResults(0);
        assertEquals(EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_ERASURE, fresh.getOutcome(), fresh.toString());

        ManagedChannel channel = TestChannels.open();
        try {
            var replay = operator(channel).replayRaw(ReplayRawRequest.newBuilder().setSourceId("backend")
                    .setReceived(
                            TimeRange.newBuilder().setStart(Timestamp.newBuilder().setSeconds(start.getEpochSecond()))
                                    .setEnd(Timestamp.newBuilder().setSeconds(end.getEpochSecond())))
                    .build());
            // Checked before dedup: the old event is not even answered DUPLICATE, so it cannot pass once its
            // dedup window has passed either.
            assertTrue(replay.getCounts().getSuppressedByErasure() >= 1, replay.toString());
        } finally {
            channel.shutdownNow();
        }
        assertTrue(read("cairn.events.raw.v1", x -> x.getMessageId().equals(after), 1, Duration.ofSeconds(3))
                .isEmpty(), "nothing of the erased subject's new event is kept");
    }
}
