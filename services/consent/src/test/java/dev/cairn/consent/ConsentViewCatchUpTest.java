package dev.cairn.consent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.cairn.consent.service.StateDerivation;
import dev.cairn.platform.consent.ConsentDecision;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.grpc.DependencyUnavailableException;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.PurposeConsent;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TestTopics;

/**
 * The consent view against the real broker, held back deterministically: its Kafka consumer takes an interceptor
 * (a consumer property, the way security settings reach it) that hands each fetched record to the view only when
 * the test allows. So "records on the topic the view has not applied yet" is a state the test holds, not a race.
 */
class ConsentViewCatchUpTest {

    private static final ConsentPolicy POLICY = ConsentPolicy.load(ContractSource.packaged());
    /** How many more polls with records the view may complete. */
    static final Semaphore POLLS = new Semaphore(0);

    /** Blocks the view's thread inside poll, with the records fetched but not yet returned to the view. */
    public static class HoldBack implements ConsumerInterceptor<String, byte[]> {
        @Override
        public ConsumerRecords<String, byte[]> onConsume(ConsumerRecords<String, byte[]> records) {
            POLLS.acquireUninterruptibly();
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        }

        @Override
        public void close() {
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    @BeforeEach
    void holdBack() {
        POLLS.drainPermits();
    }

    @Test
    void before_catching_up_the_view_refuses_to_decide_and_afterwards_answers_what_the_topic_held() {
        String topic = "test.consent-view." + UUID.randomUUID();
        TestTopics.createCompacted(topic, 3);
        // Analytics is allowed until withdrawn in the default jurisdiction: an empty view would allow all of them.
        List<String> withdrawn = List.of("user_id:w1", "user_id:w2", "anonymous_id:w3", "email:w4@example.org");
        for (String key : withdrawn) {
            TestKafka.send(topic, key, withdrawal(key).toByteArray());
        }
        TestKafka.send(topic, "user_id:erased", withdrawal("user_id:erased").toByteArray());
        TestKafka.send(topic, "user_id:erased", null);

        try (ConsentStateView view = heldBackView(topic)) {
            view.start();
            // The view fetched its first record and waits to be handed it: it has not read what the topic holds.
            await().atMost(Duration.ofSeconds(30)).until(POLLS::hasQueuedThreads);
            assertFalse(view.caughtUp());
            for (String key : withdrawn) {
                assertThrows(DependencyUnavailableException.class,
                        () -> view.decideAsRecorded(List.of(key), "analytics", "default"));
            }
            assertThrows(DependencyUnavailableException.class,
                    () -> view.decide(List.of("user_id:w1"), "analytics", Optional.empty()));
            assertThrows(DependencyUnavailableException.class, () -> view.erased("user_id:erased"));

            POLLS.release(1_000_000);
            await().atMost(Duration.ofSeconds(30)).until(view::caughtUp);
            for (String key : withdrawn) {
                ConsentDecision.Decision d = view.decideAsRecorded(List.of(key), "analytics", "default");
                assertFalse(d.allowed(), key + " withdrew: " + d);
                assertEquals(ConsentDecision.Reason.EXPLICIT_CHOICE, d.reason());
            }
            assertTrue(view.erased("user_id:erased"));
            assertTrue(view.decideAsRecorded(List.of("user_id:never-recorded"), "analytics", "default").allowed(),
                    "a subject with nothing recorded gets the default once the view knows it recorded nothing");
        }
    }

    @Test
    void a_view_that_falls_behind_reports_its_lag_in_records_and_time_until_it_has_caught_up_again() {
        String topic = "test.consent-view." + UUID.randomUUID();
        TestTopics.createCompacted(topic, 3);
        try (ConsentStateView view = heldBackView(topic)) {
            POLLS.release(1_000_000);
            view.start();
            await().atMost(Duration.ofSeconds(30)).until(view::caughtUp);
            await().atMost(Duration.ofSeconds(10)).until(() -> !view.lag().beyond(0, Duration.ofSeconds(1)));

            POLLS.drainPermits();
            for (int i = 0; i < 30; i++) {
                TestKafka.send(topic, "user_id:lag-" + i, withdrawal("user_id:lag-" + i).toByteArray());
            }
            // One poll more: the view applies a record, reads the end offsets, and is held with the rest unread.
            POLLS.release(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> view.lag().records() >= 25);
            assertTrue(view.lag().beyond(10, Duration.ofHours(1)), "beyond a bound of 10 records: " + view.lag());
            // A view that stopped reading does not know how much it misses, but its time lag keeps growing.
            await().atMost(Duration.ofSeconds(10)).until(() -> view.lag().time().compareTo(Duration.ofSeconds(2)) > 0);
            assertTrue(view.lag().beyond(1_000, Duration.ofSeconds(2)), "beyond a bound of 2 s: " + view.lag());

            POLLS.release(1_000_000);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !view.lag().beyond(0, Duration.ofSeconds(1)));
            assertFalse(view.decideAsRecorded(List.of("user_id:lag-29"), "analytics", "default").allowed());
        }
    }

    private static ConsentStateView heldBackView(String topic) {
        // One record per poll, so the test decides how many the view has applied.
        return new ConsentStateView(POLICY,
                RealInfra.kafka().operatorConfig(Map.of(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG,
                        HoldBack.class.getName(), ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1)),
                topic, Optional.empty(), Duration.ofMillis(100));
    }

    /** The state consent publishes for a subject that withdrew analytics in the default jurisdiction. */
    static ConsentState withdrawal(String key) {
        int colon = key.indexOf(':');
        Identifier subject = Identifier.newBuilder().setNamespace(key.substring(0, colon))
                .setValue(key.substring(colon + 1)).build();
        return ConsentState.newBuilder().setSubject(subject).setStateVersion(1)
                .addPurposes(PurposeConsent.newBuilder().setPurpose("analytics").setJurisdiction("default")
                        .setStatus(ConsentStatus.CONSENT_STATUS_WITHDRAWN)
                        .setReason(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE).setPolicyVersion(POLICY.version())
                        .setRecordedAt(StateDerivation.timestamp(Instant.parse("2026-11-20T10:00:00Z")))
                        .setRecordId(UUID.randomUUID().toString()).setDecidedBy(subject))
                .build();
    }
}
