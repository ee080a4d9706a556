package dev.cairn.consent;

import static dev.cairn.consent.ConsentRecordingTest.awaitTrue;
import static dev.cairn.consent.ConsentRecordingTest.id;
import static dev.cairn.consent.ConsentRecordingTest.rec;
import static dev.cairn.consent.ConsentRecordingTest.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.cairn.platform.kafka.DeadLetters;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc.ConsentServiceBlockingStub;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.Decision;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentSignal;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.events.v1.PurposeSignal;
import dev.cairn.testsupport.DeadLetterProbe;
import dev.cairn.testsupport.RealInfra;

/**
 * A record consent can never process is set aside and the consumer carries on: poison written straight to
 * cairn.consent.signals.v1 and cairn.identity.changes.v1 (garbage bytes, a tombstone, a valid protobuf PostgreSQL
 * refuses, a time out of range) goes to the consumer's dead-letter topic with its reason, is counted in
 * cairn_dead_letters_total, and a good record written after it on the same partition is still processed. Real
 * Kafka and PostgreSQL: PostgreSQL's refusal of a NUL byte is what makes that valid protobuf poison. An unreadable
 * record on cairn.consent.state.v1 is skipped and counted by the consent view, which goes on reading.
 */
@QuarkusTest
class PoisonConsentInputsTest {

    private static final String SIGNALS = "cairn.consent.signals.v1";
    private static final String CHANGES = "cairn.identity.changes.v1";
    /** Partitions the other tests never pick on purpose; written without transactions, so lag can be read exactly. */
    private static final int SIGNALS_PARTITION = 2;
    private static final int CHANGES_PARTITION = 5;
    private static final String KEY = "poison-test";

    @Inject
    Pool pool;

    private ManagedChannel channel;
    private ConsentServiceBlockingStub stub;

    @BeforeEach
    void open() {
        channel = TestChannels.open();
        stub = TestChannels.stub(channel, "consent.write", "consent.read");
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    private static int managementPort() {
        return ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    }

    /** The dead-letter lines of the service's metrics, for a failure's message. */
    private static String metrics() {
        try {
            String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create("http://127.0.0.1:" + managementPort() + "/q/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.contains("dead_letters"))
                    .collect(java.util.stream.Collectors.joining("\n"));
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Every value to one partition in one go, in order (a null value is a tombstone). */
    private static void send(String topic, int partition, byte[]... values) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                RealInfra.kafka().operatorConfig(
                        Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 50)),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (byte[] value : values) {
                sent.add(producer.send(new ProducerRecord<>(topic, partition, KEY.getBytes(StandardCharsets.UTF_8),
                        value)));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } catch (Exception e) {
            throw new AssertionError("cannot publish to " + topic, e);
        }
    }

    /** The reason header of the one dead letter of {@code consumer} that holds exactly {@code value}. */
    private static String reasonOf(String consumer, String topic, int partition, byte[] value) {
        List<ConsumerRecord<byte[], byte[]>> found = DeadLetterProbe.deadLettersOf(consumer, value, 1,
                Duration.ofSeconds(30));
        assertFalse(found.isEmpty(), "the poison record is on " + DeadLetters.topic(consumer));
        ConsumerRecord<byte[], byte[]> letter = found.get(0);
        assertEquals(topic, DeadLetterProbe.header(letter, DeadLetters.SOURCE_TOPIC));
        assertEquals(Integer.toString(partition), DeadLetterProbe.header(letter, DeadLetters.SOURCE_PARTITION));
        assertEquals(consumer, DeadLetterProbe.header(letter, DeadLetters.CONSUMER));
        assertEquals(KEY, new String(letter.key(), StandardCharsets.UTF_8), "the original key is kept");
        return DeadLetterProbe.header(letter, DeadLetters.REASON);
    }

    private Decision decide(Identifier subject, String purpose) {
        return stub.decide(DecideRequest.newBuilder().addQueries(DecisionQuery.newBuilder().setSubject(subject)
                .setPurpose(purpose).setJurisdiction("EU")).build()).getDecisions(0);
    }

    private static ConsentSignal grant(Identifier who, String purpose) {
        return ConsentSignal.newBuilder().setSourceId("web").setMessageId("m-" + UUID.randomUUID())
                .addIdentifiers(who).setOccurredAt(ts(Instant.now())).setJurisdictionHint("EU")
                .addPurposes(PurposeSignal.newBuilder().setPurpose(purpose)
                        .setStatus(ConsentStatus.CONSENT_STATUS_GRANTED))
                .build();
    }

    @Test
    void poison_consent_signals_are_dead_lettered_with_their_reason_and_the_signal_after_them_is_recorded() {
        String consumer = "consent-signals";
        double unparsableBefore = DeadLetterProbe.deadLetterCount(managementPort(), consumer, "unparsable");
        double refusedBefore = DeadLetterProbe.deadLetterCount(managementPort(), consumer, "rejected_by_store");
        double invalidBefore = DeadLetterProbe.deadLetterCount(managementPort(), consumer, "invalid");
        byte[] garbage = ("not a ConsentSignal \u0001\u0002 " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        // A valid ConsentSignal whose messageId ends up in the ledger's client_record_id: PostgreSQL refuses a NUL.
        byte[] nul = grant(id("user_id", "nul-" + UUID.randomUUID()), "personalization").toBuilder()
                .setMessageId("m-\u0000-" + UUID.randomUUID()).build().toByteArray();
        // A valid ConsentSignal that consent's own rules refuse: a choice made before 1970.
        byte[] before1970 = grant(id("user_id", "old-" + UUID.randomUUID()), "personalization").toBuilder()
                .setOccurredAt(Timestamp.newBuilder().setSeconds(-86_400L * 365)).build().toByteArray();
        // A valid ConsentSignal from the year 318857: a choice that would be the latest forever.
        byte[] farFuture = grant(id("user_id", "year-" + UUID.randomUUID()), "personalization").toBuilder()
                .setOccurredAt(Timestamp.newBuilder().setSeconds(10_000_000_000_000L)).build().toByteArray();
        Identifier after = id("user_id", "after-" + UUID.randomUUID());
        send(SIGNALS, SIGNALS_PARTITION, garbage, nul, before1970, farFuture, null,
                grant(after, "personalization").toByteArray());

        // The consumer carried on past all of it: the good signal written last is recorded.
        awaitTrue(() -> decide(after, "personalization").getReason() == ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE);
        assertTrue(decide(after, "personalization").getAllowed());
        assertEquals("unparsable", reasonOf(consumer, SIGNALS, SIGNALS_PARTITION, garbage));
        assertEquals("rejected_by_store", reasonOf(consumer, SIGNALS, SIGNALS_PARTITION, nul));
        assertEquals("invalid", reasonOf(consumer, SIGNALS, SIGNALS_PARTITION, before1970));
        assertEquals("invalid", reasonOf(consumer, SIGNALS, SIGNALS_PARTITION, farFuture));
        assertEquals("unparsable", reasonOf(consumer, SIGNALS, SIGNALS_PARTITION, null));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals(unparsableBefore + 2,
                    DeadLetterProbe.deadLetterCount(managementPort(), consumer, "unparsable"),
                    metrics());
            assertEquals(refusedBefore + 1,
                    DeadLetterProbe.deadLetterCount(managementPort(), consumer, "rejected_by_store"), metrics());
            assertEquals(invalidBefore + 2, DeadLetterProbe.deadLetterCount(managementPort(), consumer, "invalid"),
                    metrics());
        });
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> DeadLetterProbe.lag("cairn-consent", SIGNALS, List.of(SIGNALS_PARTITION)) == 0);
    }

    @Test
    void poison_identity_changes_are_dead_lettered_with_their_reason_and_the_change_after_them_is_applied() {
        String consumer = "consent-identity-changes";
        double unparsableBefore = DeadLetterProbe.deadLetterCount(managementPort(), consumer, "unparsable");
        double refusedBefore = DeadLetterProbe.deadLetterCount(managementPort(), consumer, "rejected_by_store");
        Identifier anon = id("anonymous_id", "a-" + UUID.randomUUID());
        Identifier user = id("user_id", "u-" + UUID.randomUUID());
        Instant t0 = Instant.now().minusSeconds(600);
        stub.recordConsent(RecordConsentRequest.newBuilder()
                .addRecords(rec(user, "personalization", "EU", ConsentStatus.CONSENT_STATUS_GRANTED, ts(t0)))
                .addRecords(rec(anon, "personalization", "EU", ConsentStatus.CONSENT_STATUS_WITHDRAWN,
                        ts(t0.plusSeconds(60))))
                .build());
        assertTrue(decide(user, "personalization").getAllowed(), "not linked yet");

        long seq = System.nanoTime();
        byte[] garbage = ("not an IdentityChange \u0001\u0002 " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        // A valid LINKED change whose identifier PostgreSQL cannot store (subject_profile refuses a NUL).
        byte[] nul = ConsentRecordingTest.change(seq, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED,
                "p-" + UUID.randomUUID(), List.of(), id("user_id", "nul-\u0000-" + UUID.randomUUID())).toByteArray();
        byte[] link = ConsentRecordingTest.change(seq + 1, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED,
                "p-" + UUID.randomUUID(), List.of(), user, anon).toByteArray();
        send(CHANGES, CHANGES_PARTITION, garbage, nul, link);

        // The link written after the poison is applied: the anonymous withdrawal now decides for the user.
        awaitTrue(() -> !decide(user, "personalization").getAllowed());
        assertEquals("unparsable", reasonOf(consumer, CHANGES, CHANGES_PARTITION, garbage));
        assertEquals("rejected_by_store", reasonOf(consumer, CHANGES, CHANGES_PARTITION, nul));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals(unparsableBefore + 1,
                    DeadLetterProbe.deadLetterCount(managementPort(), consumer, "unparsable"),
                    metrics());
            assertEquals(refusedBefore + 1,
                    DeadLetterProbe.deadLetterCount(managementPort(), consumer, "rejected_by_store"), metrics());
        });
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> DeadLetterProbe.lag("cairn-consent", CHANGES, List.of(CHANGES_PARTITION)) == 0);
    }

    @Test
    void a_poison_change_inside_a_poll_is_dead_lettered_once_the_others_are_applied_and_the_consumer_goes_on()
            throws Throwable {
        String consumer = "consent-identity-changes";
        double refusedBefore = DeadLetterProbe.deadLetterCount(managementPort(), consumer, "rejected_by_store");
        double unprocessableBefore = DeadLetterProbe.deadLetterCount(managementPort(), consumer, "unprocessable");
        double unparsableBefore = DeadLetterProbe.deadLetterCount(managementPort(), consumer, "unparsable");
        String run = UUID.randomUUID().toString().substring(0, 8);
        long seq = System.nanoTime();
        List<byte[]> poll = new ArrayList<>();
        Map<String, String> expected = new java.util.TreeMap<>();
        for (int i = 0; i < 11; i++) {
            String profile = "p-" + run + "-" + i;
            Identifier anon = id("anonymous_id", "a-" + run + "-" + i);
            Identifier user = id("user_id", "u-" + run + "-" + i);
            poll.add(ConsentRecordingTest.change(seq + i, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, profile,
                    List.of(), anon, user).toByteArray());
            expected.put("anonymous_id:" + anon.getValue(), profile);
            expected.put("user_id:" + user.getValue(), profile);
        }
        // In the middle of the poll: a valid LINKED change PostgreSQL refuses (a NUL in an identifier), so the
        // poll's transaction fails for good and is applied again in halves down to this record.
        byte[] nul = ConsentRecordingTest.change(seq + 5, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED,
                "p-" + run + "-nul", List.of(), id("user_id", "nul-\u0000-" + run)).toByteArray();
        poll.add(5, nul);
        send(CHANGES, CHANGES_PARTITION, poll.toArray(byte[][]::new));

        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> DeadLetterProbe.lag("cairn-consent", CHANGES, List.of(CHANGES_PARTITION)) == 0);
        assertEquals(expected, profiles(run), "every good change of the poll is applied");
        assertEquals("rejected_by_store", reasonOf(consumer, CHANGES, CHANGES_PARTITION, nul));
        assertEquals(1, DeadLetterProbe.deadLettersOf(consumer, nul, 2, Duration.ofSeconds(5)).size(),
                "dead-lettered exactly once");
        assertEquals(refusedBefore + 1,
                DeadLetterProbe.deadLetterCount(managementPort(), consumer, "rejected_by_store"), metrics());
        // No good record of the poll went there too (each half down to the poison is applied, not set aside).
        assertEquals(unprocessableBefore,
                DeadLetterProbe.deadLetterCount(managementPort(), consumer, "unprocessable"), metrics());
        assertEquals(unparsableBefore, DeadLetterProbe.deadLetterCount(managementPort(), consumer, "unparsable"),
                metrics());
        assertEquals(List.of(), DeadLetterProbe.deadLettersOf(consumer, poll.get(4), 1, Duration.ofSeconds(2)),
                "the good record next to the poison is not dead-lettered");

        // The consumer still consumes after it.
        Identifier later = id("user_id", "later-" + run);
        send(CHANGES, CHANGES_PARTITION, ConsentRecordingTest.change(seq + 20,
                IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, "p-" + run + "-later", List.of(), later)
                .toByteArray());
        expected.put("user_id:" + later.getValue(), "p-" + run + "-later");
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(expected, profiles(run)));
    }

    /** subject_profile rows of one run's identifiers: key to profile. */
    private Map<String, String> profiles(String run) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> pool
                .preparedQuery("select subject_key, profile_id from subject_profile where subject_key like $1")
                .execute(Tuple.of("%-" + run + "%")).map(rows -> {
                    Map<String, String> found = new java.util.TreeMap<>();
                    rows.forEach(r -> found.put(r.getString(0), r.getString(1)));
                    return found;
                }));
    }

    @Test
    void an_unreadable_consent_state_is_skipped_and_counted_and_the_view_still_applies_the_states_after_it() {
        double before = viewUnreadable();
        String garbled = "user_id:garbled-" + UUID.randomUUID();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                RealInfra.kafka().operatorConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all")),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            // Both on one partition, the garbage first: the view reads them in this order.
            producer.send(new ProducerRecord<>("cairn.consent.state.v1", 0, garbled.getBytes(StandardCharsets.UTF_8),
                    ("not a ConsentState \u0001\u0002").getBytes(StandardCharsets.UTF_8))).get();
            // A state published after it (as another consent instance would): the view must still read it.
            Identifier later = id("user_id", "later-" + UUID.randomUUID());
            producer.send(new ProducerRecord<>("cairn.consent.state.v1", 0,
                    ("user_id:" + later.getValue()).getBytes(StandardCharsets.UTF_8),
                    dev.cairn.proto.events.v1.ConsentState.newBuilder().setSubject(later).setStateVersion(1)
                            .addPurposes(dev.cairn.proto.events.v1.PurposeConsent.newBuilder()
                                    .setPurpose("personalization").setJurisdiction("EU")
                                    .setStatus(ConsentStatus.CONSENT_STATUS_GRANTED)
                                    .setReason(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE)
                                    .setRecordedAt(ts(Instant.now())).setRecordId("r-later").setDecidedBy(later))
                            .build().toByteArray()))
                    .get();
            awaitTrue(() -> decide(later, "personalization").getAllowed());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(before + 1, viewUnreadable(), "cairn_consent_view_unreadable_total"));
    }

    /** cairn_consent_view_unreadable_total of the consent view (an exemplar may follow the value). */
    private static double viewUnreadable() {
        try {
            String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create("http://127.0.0.1:" + managementPort() + "/q/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith("cairn_consent_view_unreadable_total{"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf("} ") + 2).split(" ")[0])).sum();
        } catch (Exception e) {
            throw new AssertionError("cannot read the service's metrics", e);
        }
    }
}
