package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.governed;
import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.json;
import static dev.cairn.ingest.IngestFixtures.order;
import static dev.cairn.ingest.IngestFixtures.quarantined;
import static dev.cairn.ingest.IngestFixtures.read;
import static dev.cairn.ingest.IngestFixtures.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import com.google.rpc.BadRequest;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentifierLinks;
import dev.cairn.proto.events.v1.PurposeConsent;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TopicReader;

/** Contracts, quarantine, consent gate, PII and identifier links, end to end through gRPC and real Kafka. */
@QuarkusTest
class IngestGovernanceTest {

    @Inject
    ConsentStateView consentView;

    @Test
    void bad_events_are_quarantined_with_typed_violations_and_the_rest_of_the_request_goes_through() {
        String user = id("user");
        String good = id("good");
        Instant nextWeek = Instant.now().plus(Duration.ofDays(7));
        List<EventInput> events = List.of(
                // valid, from a visitor whose jurisdiction (US-CA) allows analytics until withdrawn
                order(good, user).toBuilder().setContext(json("{\"jurisdiction\": \"US-CA\"}")).build(),
                // missing ids
                EventInput.newBuilder().setMessageId(id("noid")).setType(EventType.EVENT_TYPE_TRACK)
                        .setEvent("Order Completed").build(),
                // unplanned event under a blocking source
                EventInput.newBuilder().setMessageId(id("unplanned")).setType(EventType.EVENT_TYPE_TRACK)
                        .setEvent("Mystery Clicked").setUserId(user).build(),
                // wrong type and a missing required property
                EventInput.newBuilder().setMessageId(id("types")).setType(EventType.EVENT_TYPE_TRACK)
                        .setEvent("Order Completed").setUserId(user)
                        .setProperties(json("{\"order_id\": \"A1\", \"total\": \"twelve\"}")).build(),
                // a future timestamp
                order(id("future"), user).toBuilder()
                        .setTimestamp(Timestamp.newBuilder().setSeconds(nextWeek.getEpochSecond())).build(),
                // an oversize event (over 32 KB)
                order(id("big"), user).toBuilder().setContext(json("{\"blob\": \"" + "x".repeat(40_000) + "\"}"))
                        .build(),
                // a messageId over 100 characters
                order("m".repeat(101), user));
        List<EventResult> results = send("web", events).getResultsList();

        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, results.get(0).getOutcome(), results.get(0).toString());
        assertViolation(results.get(1), ViolationType.VIOLATION_TYPE_ENVELOPE, "$.userId");
        assertViolation(results.get(2), ViolationType.VIOLATION_TYPE_UNPLANNED_EVENT, "$.event");
        assertViolation(results.get(3), ViolationType.VIOLATION_TYPE_TYPE_MISMATCH, "$.properties.total");
        assertViolation(results.get(3), ViolationType.VIOLATION_TYPE_REQUIRED_MISSING, "$.properties.currency");
        assertViolation(results.get(4), ViolationType.VIOLATION_TYPE_CONSTRAINT, "$.timestamp");
        assertViolation(results.get(5), ViolationType.VIOLATION_TYPE_SIZE, "$");
        assertViolation(results.get(6), ViolationType.VIOLATION_TYPE_ENVELOPE, "$.messageId");

        assertEquals(1, governed(e -> e.getMessageId().equals(good), 1, Duration.ofSeconds(20)).size(),
                "the valid event of the same request is stored");
        String unplanned = results.get(2).getMessageId();
        var q = quarantined(e -> e.getMessageId().equals(unplanned), 1, Duration.ofSeconds(20));
        assertEquals(1, q.size(), "one quarantine record per event, never the batch");
        assertEquals("web", q.get(0).getSourceId());
        assertEquals(ViolationType.VIOLATION_TYPE_UNPLANNED_EVENT, q.get(0).getViolations(0).getType());
        assertFalse(q.get(0).getPayload().isEmpty(), "the original payload is kept for re-drive");
        assertTrue(governed(e -> e.getMessageId().equals(unplanned), 1, Duration.ofSeconds(3)).isEmpty(),
                "a quarantined event never reaches the governed topic");
    }

    @Test
    void a_source_that_allows_violations_forwards_the_event_with_its_violations_attached() {
        String messageId = id("allow");
        EventInput e = EventInput.newBuilder().setMessageId(messageId).setType(EventType.EVENT_TYPE_TRACK)
                .setEvent("Mystery Clicked").setUserId(id("user")).build();
        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, send("backend", List.of(e)).getResults(0).getOutcome());
        Event stored = governed(x -> x.getMessageId().equals(messageId), 1, Duration.ofSeconds(20)).get(0);
        assertEquals(ViolationType.VIOLATION_TYPE_UNPLANNED_EVENT, stored.getViolations(0).getType());
    }

    private static void assertViolation(EventResult result, ViolationType type, String path) {
        assertEquals(EventOutcome.EVENT_OUTCOME_QUARANTINED, result.getOutcome(), result.toString());
        assertTrue(
                result.getViolationsList().stream().anyMatch(v -> v.getType() == type && v.getJsonPath().equals(path)),
                "expected " + type + " at " + path + " in " + result.getViolationsList());
    }

    @Test
    void request_faults_are_invalid_argument_with_field_violations() throws Exception {
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> send("nope", List.of(order(id("x"), "u"))));
        assertEquals(Status.Code.INVALID_ARGUMENT, unknown.getStatus().getCode());
        BadRequest details = StatusProto.fromThrowable(unknown).getDetails(0).unpack(BadRequest.class);
        assertEquals("source_id", details.getFieldViolations(0).getField());

        StatusRuntimeException empty = assertThrows(StatusRuntimeException.class, () -> send("backend", List.of()));
        assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());

        List<EventInput> tooMany = java.util.stream.IntStream.range(0, 2501).mapToObj(i -> order(id("many"), "u"))
                .toList();
        StatusRuntimeException many = assertThrows(StatusRuntimeException.class, () -> send("backend", tooMany));
        assertEquals(Status.Code.INVALID_ARGUMENT, many.getStatus().getCode());
        assertTrue(many.getStatus().getDescription().contains("at most 2500"), many.getStatus().getDescription());
    }

    @Test
    void consent_decides_per_destination_and_pii_is_pseudonymized_or_dropped_per_destination() throws Exception {
        String user = id("user");
        // analytics granted, marketing email withdrawn, advertising never granted (EU: opt-in).
        publishConsent(user, ConsentState.newBuilder()
                .setSubject(Identifier.newBuilder().setNamespace("user_id").setValue(user)).setStateVersion(1)
                .addPurposes(choice("analytics", ConsentStatus.CONSENT_STATUS_GRANTED))
                .addPurposes(choice("marketing_email", ConsentStatus.CONSENT_STATUS_WITHDRAWN)).build().toByteArray());
        awaitView(user, true);

        String messageId = id("gated");
        String email = "ada." + user + "@example.com";
        EventInput e = order(messageId, user).toBuilder().setAnonymousId(id("anon"))
                .setProperties(
                        json("{\"order_id\": 7, \"total\": 1, \"currency\": \"EUR\", \"email\": \"" + email + "\"}"))
                .setContext(json("{\"ip\": \"203.0.113.9\"}")).build();
        EventResult result = send("web", List.of(e)).getResults(0);

        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, result.getOutcome(), result.toString());
        assertEquals(List.of("email_marketing", "advertising"), result.getSuppressedDestinationsList());
        Event stored = governed(x -> x.getMessageId().equals(messageId), 1, Duration.ofSeconds(20)).get(0);
        String storedEmail = stored.getProperties().getFieldsMap().get("email").getStringValue();
        assertTrue(storedEmail.startsWith("hmac-sha256:"), "email is pseudonymized on the governed stream");
        assertFalse(stored.getContext().getFieldsMap().containsKey("ip"), "ip is dropped on the governed stream");
        assertTrue(stored.getConsentDecisionsList().stream().anyMatch(t -> t.getDestination().equals("governed")
                && t.getForwarded() && t.getPurposes(0).getReason() == ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE),
                "the decision that let it through is traceable: " + stored.getConsentDecisionsList());
        assertTrue(
                read("cairn.dest.email_marketing.v1", x -> x.getMessageId().equals(messageId), 1, Duration.ofSeconds(3))
                        .isEmpty(),
                "a withdrawn purpose's destination never gets the event");
        assertTrue(read("cairn.dest.advertising.v1", x -> x.getMessageId().equals(messageId), 1, Duration.ofSeconds(2))
                .isEmpty(), "an opt-in purpose never granted gets nothing");
        // Identifier links go out before the gate, whatever the consent.
        var links = TopicReader.read("cairn.identity.links.v1", r -> {
            try {
                return IdentifierLinks.parseFrom(r.value()).getMessageId().equals(messageId);
            } catch (Exception ex) {
                return false;
            }
        }, 1, Duration.ofSeconds(10));
        assertEquals(1, links.size());
    }

    @Test
    void an_erased_subject_is_suppressed_and_nothing_of_its_event_is_kept() throws Exception {
        String user = id("erased");
        publishConsent(user, null);
        awaitView(user, false);
        String messageId = id("after-erasure");
        EventResult result = send("backend", List.of(order(messageId, user))).getResults(0);
        assertEquals(EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_ERASURE, result.getOutcome());
        assertTrue(
                read("cairn.events.raw.v1", x -> x.getMessageId().equals(messageId), 1, Duration.ofSeconds(3))
                        .isEmpty(),
                "not even the raw topic keeps it, so a replay cannot bring the subject back");
    }

    private static PurposeConsent choice(String purpose, ConsentStatus status) {
        return PurposeConsent.newBuilder().setPurpose(purpose).setJurisdiction("EU").setStatus(status)
                .setReason(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE).setPolicyVersion("2026-11-01")
                .setRecordId("r-" + purpose)
                .setRecordedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                .build();
    }

    private void publishConsent(String user, byte[] state) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(RealInfra.kafka().operatorConfig(Map.of()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("cairn.consent.state.v1", SubjectKeys.key("user_id", user), state))
                    .get();
        }
    }

    private void awaitView(String user, boolean present) throws InterruptedException {
        String key = SubjectKeys.key("user_id", user);
        Awaitility.await("the consent view applies the record for " + key).atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> present ? consentView.state(key).isPresent() : consentView.erased(key));
    }
}
