package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.order;
import static dev.cairn.ingest.IngestFixtures.read;
import static dev.cairn.ingest.IngestFixtures.send;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.PurposeConsent;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TestTopics;

/**
 * The consent gate while ingest's consent view has not caught up: the view's state topic holds a withdrawal and
 * an erasure, but its suppression topic (which the view reads too) does not exist yet, so the view cannot have
 * caught up until the test creates it. Until then every event is answered RETRY and nothing of it is kept; after,
 * the same events are decided by what the view read, never by the defaults of an empty view.
 */
@QuarkusTest
@TestProfile(GateBeforeTheViewCaughtUpTest.LateTopics.class)
class GateBeforeTheViewCaughtUpTest {

    static final String STATE_TOPIC = "test.gate-before.consent.state.v1";
    static final String SUPPRESSION_TOPIC = "test.gate-before.privacy.suppression.v1";

    /** The view reads topics of this test instead of the catalogue's, which already exist. */
    public static class LateTopics implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Not waiting at start for a view that cannot catch up before the test lets it.
            return Map.of("cairn.consent-view.topic", STATE_TOPIC, "cairn.consent-view.suppression-topic",
                    SUPPRESSION_TOPIC, "%test.cairn.consent-view.start-wait", "0s");
        }
    }

    @Test
    void events_are_answered_retry_and_not_kept_until_the_view_caught_up_then_decided_by_what_it_read() {
        // Source "backend" decides in the default jurisdiction, where analytics (the governed stream) is allowed
        // until withdrawn: an empty view would let the withdrawn and the erased subjects' events through.
        String withdrawn = id("withdrawn");
        String erased = id("erased");
        String unrecorded = id("unrecorded");
        TestTopics.createCompacted(STATE_TOPIC, 6);
        publish(SubjectKeys.key("user_id", withdrawn), withdrawal(withdrawn).toByteArray());
        publish(SubjectKeys.key("user_id", erased), withdrawal(erased).toByteArray());
        publish(SubjectKeys.key("user_id", erased), null);

        Map<String, EventInput> events = new LinkedHashMap<>();
        for (String user : List.of(withdrawn, erased, unrecorded)) {
            events.put(user, order(id("before-" + user), user));
        }
        List<EventResult> before = send("backend", List.copyOf(events.values())).getResultsList();
        for (EventResult r : before) {
            assertEquals(EventOutcome.EVENT_OUTCOME_RETRY, r.getOutcome(), r.toString());
            assertTrue(r.getReason().contains("consent view"), r.getReason());
            assertTrue(r.hasRetryAfter(), "RETRY says when: " + r);
        }
        Set<String> ids = Set.copyOf(events.values().stream().map(EventInput::getMessageId).toList());
        assertTrue(read("cairn.events.raw.v1", e -> ids.contains(e.getMessageId()), 1, Duration.ofSeconds(3))
                .isEmpty(), "nothing of an event answered RETRY is kept");
        String notReady = RestAssured.get(health()).then().statusCode(503).extract().asString();
        assertTrue(notReady.contains("\"caughtUp\": false"), notReady);

        TestTopics.createCompacted(SUPPRESSION_TOPIC, 6);
        // As a client does: resend what was answered RETRY, with the same message ids, until each is decided.
        Map<String, EventResult> decided = new LinkedHashMap<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
            List<EventInput> pending = events.values().stream()
                    .filter(e -> !decided.containsKey(e.getMessageId())).toList();
            for (EventResult r : send("backend", pending).getResultsList()) {
                if (r.getOutcome() != EventOutcome.EVENT_OUTCOME_RETRY) {
                    decided.put(r.getMessageId(), r);
                }
            }
            return decided.size() == events.size();
        });
        assertEquals(EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_CONSENT,
                decided.get(events.get(withdrawn).getMessageId()).getOutcome(), "the withdrawal the view read holds");
        assertEquals(EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_ERASURE,
                decided.get(events.get(erased).getMessageId()).getOutcome(), "the erasure the view read holds");
        assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED,
                decided.get(events.get(unrecorded).getMessageId()).getOutcome(),
                "nothing recorded: the default applies, now that the view knows nothing was recorded");
        RestAssured.get(health()).then().statusCode(200);
    }

    private static ConsentState withdrawal(String user) {
        Identifier subject = Identifier.newBuilder().setNamespace("user_id").setValue(user).build();
        return ConsentState.newBuilder().setSubject(subject).setStateVersion(1)
                .addPurposes(PurposeConsent.newBuilder().setPurpose("analytics").setJurisdiction("default")
                        .setStatus(ConsentStatus.CONSENT_STATUS_WITHDRAWN)
                        .setReason(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE).setPolicyVersion("2026-11-01")
                        .setRecordId("r-" + user)
                        .setRecordedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                        .setDecidedBy(subject))
                .build();
    }

    private static void publish(String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                RealInfra.kafka().operatorConfig(Map.of("acks", "all")),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(STATE_TOPIC, key, value)).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot publish to " + STATE_TOPIC, e);
        }
    }

    private static String health() {
        return "http://127.0.0.1:"
                + ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class)
                + "/q/health/ready";
    }
}
