package dev.cairn.segments;

import static dev.cairn.segments.MembershipLifecycleTest.consent;
import static dev.cairn.segments.MembershipLifecycleTest.profile;
import static dev.cairn.segments.MembershipLifecycleTest.user;
import static dev.cairn.segments.MembershipLifecycleTest.userId;
import static dev.cairn.segments.SegmentsWalkingSkeletonTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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

import dev.cairn.platform.kafka.DeadLetters;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.MembershipAnswer;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.streams.ProfileCommand;
import dev.cairn.testsupport.DeadLetterProbe;
import dev.cairn.testsupport.RealInfra;

/**
 * A record segments can never process is set aside and the topology carries on: poison written straight to each
 * input topic (garbage bytes, an Event whose time no Timestamp can hold) goes to cairn.dead-letters.segments.v1
 * with its reason and source, is counted in cairn_dead_letters_total, and a good record written after it with the
 * same key (so on the same partition) is still processed. Real Kafka Streams (exactly-once), Kafka and Redis.
 */
@QuarkusTest
class PoisonSegmentsInputsTest {

    private static final String CONSUMER = "segments";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private ManagedChannel channel;
    private SegmentsServiceGrpc.SegmentsServiceBlockingStub stub;
    private InputProducer kafka;

    @BeforeEach
    void open() {
        channel = TestChannels.open();
        stub = TestChannels.reader(channel);
        kafka = new InputProducer();
    }

    @AfterEach
    void close() {
        kafka.close();
        channel.shutdownNow();
    }

    private static int managementPort() {
        return ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    }

    private MembershipAnswer ask(ProfileRef who, String segment) {
        return stub.isMember(IsMemberRequest.newBuilder()
                .addQueries(MembershipQuery.newBuilder().setProfile(who).setSegmentId(segment)).build())
                .getAnswers(0);
    }

    /** Raw bytes, as a broken or hostile producer would write them. */
    private static void sendRaw(String topic, String key, byte[] value) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                RealInfra.kafka().operatorConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all")),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
        } catch (Exception e) {
            throw new AssertionError("cannot publish to " + topic, e);
        }
    }

    /** The reason header of the dead letter that holds exactly {@code value}, after checking where it came from. */
    private static String reasonOf(String topic, String key, byte[] value) {
        List<ConsumerRecord<byte[], byte[]>> found = DeadLetterProbe.deadLettersOf(CONSUMER, value, 1,
                Duration.ofSeconds(60));
        assertFalse(found.isEmpty(), "the poison record is on " + DeadLetters.topic(CONSUMER));
        ConsumerRecord<byte[], byte[]> letter = found.get(0);
        assertEquals(topic, DeadLetterProbe.header(letter, DeadLetters.SOURCE_TOPIC));
        assertEquals(CONSUMER, DeadLetterProbe.header(letter, DeadLetters.CONSUMER));
        assertEquals(key, new String(letter.key(), StandardCharsets.UTF_8), "the original key is kept");
        return DeadLetterProbe.header(letter, DeadLetters.REASON);
    }

    private static void awaitCount(String reason, double expected) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(expected,
                DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, reason), "cairn_dead_letters_total"));
    }

    private void checkoutTwice(String u) throws InterruptedException {
        Instant now = Instant.now();
        kafka.event(InputProducer.track(u, "checkout_completed", now.minusSeconds(10), Map.of()));
        kafka.event(InputProducer.track(u, "checkout_completed", now, Map.of()));
    }

    @Test
    void poison_governed_events_are_dead_lettered_and_the_events_after_them_are_evaluated() throws Exception {
        double unparsable = DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, "unparsable");
        double invalid = DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, "invalid");
        String u = "poison-" + UUID.randomUUID();
        byte[] garbage = ("not an Event \u0001\u0002 " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        // A valid Event from the year 318857: the engine's millisecond arithmetic would wrap it around.
        byte[] outOfRange = InputProducer.track(u, "checkout_completed", Instant.now(), Map.of()).toBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(10_000_000_000_000L)).build().toByteArray();
        sendRaw("cairn.events.governed.v1", u, garbage);
        sendRaw("cairn.events.governed.v1", u, outOfRange);
        checkoutTwice(u);

        await(() -> ask(user(u), "repeat_buyers").getMember(), WAIT);
        assertEquals("unparsable", reasonOf("cairn.events.governed.v1", u, garbage));
        assertEquals("invalid", reasonOf("cairn.events.governed.v1", u, outOfRange));
        awaitCount("unparsable", unparsable + 1);
        awaitCount("invalid", invalid + 1);
    }

    @Test
    void a_poison_identity_change_is_dead_lettered_and_the_change_after_it_is_applied() throws Exception {
        double unparsable = DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, "unparsable");
        String u = "poison-link-" + UUID.randomUUID();
        String p = "p-" + UUID.randomUUID();
        checkoutTwice(u);
        await(() -> ask(user(u), "repeat_buyers").getMember(), WAIT);

        byte[] garbage = ("not an IdentityChange \u0001\u0002 " + UUID.randomUUID())
                .getBytes(StandardCharsets.UTF_8);
        sendRaw("cairn.identity.changes.v1", p, garbage);
        kafka.send("cairn.identity.changes.v1", p, IdentityChange.newBuilder().setSequence(1)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(p).addIdentifiers(userId(u))
                .setOccurredAt(ProfileEngine.timestamp(System.currentTimeMillis())).build());

        // The link after the poison moved u's provisional profile into p.
        await(() -> ask(profile(p), "repeat_buyers").getMember(), WAIT);
        assertEquals("unparsable", reasonOf("cairn.identity.changes.v1", p, garbage));
        awaitCount("unparsable", unparsable + 1);
    }

    @Test
    void a_poison_consent_state_is_dead_lettered_not_taken_for_an_erasure_and_the_state_after_it_is_applied()
            throws Exception {
        double unparsable = DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, "unparsable");
        String u = "poison-consent-" + UUID.randomUUID();
        checkoutTwice(u);
        await(() -> ask(user(u), "repeat_buyers").getMember(), WAIT);

        String key = "user_id:" + u;
        byte[] garbage = ("not a ConsentState \u0001\u0002 " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        sendRaw("cairn.consent.state.v1", key, garbage);
        assertEquals("unparsable", reasonOf("cairn.consent.state.v1", key, garbage));
        assertEquals(true, ask(user(u), "repeat_buyers").getMember(), "garbage is no withdrawal and no erasure");

        kafka.send("cairn.consent.state.v1", key, consent(u, 1, ConsentStatus.CONSENT_STATUS_WITHDRAWN));
        await(() -> !ask(user(u), "repeat_buyers").getMember(), WAIT);
        awaitCount("unparsable", unparsable + 1);
    }

    @Test
    void a_command_the_profile_stage_cannot_read_is_dead_lettered_and_the_stream_thread_lives_on() throws Exception {
        double unparsable = DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, "unparsable");
        String topic = "cairn.segments.profile-commands.v1";
        String u = "after-cmd-" + UUID.randomUUID();
        // Keyed by u's provisional profile: the poison sits on the partition u's events reach, before them.
        String p = "user_id:" + u;
        // Not a ProfileCommand at all (the deserialization handler), and a well-formed command whose event does not
        // parse (the profile stage: this used to throw IllegalStateException and stop the stream thread for good).
        byte[] notACommand = {(byte) 0xff, 0x00, 0x01};
        byte[] badEvent = ProfileCommand.SERDE.serializer().serialize(topic,
                ProfileCommand.event(p, ("not an Event \u0001 " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8)));
        sendRaw(topic, p, notACommand);
        sendRaw(topic, p, badEvent);

        checkoutTwice(u);
        await(() -> ask(user(u), "repeat_buyers").getMember(), WAIT);
        assertEquals("unparsable", reasonOf(topic, p, notACommand));
        assertEquals("unparsable", reasonOf(topic, p, badEvent));
        awaitCount("unparsable", unparsable + 2);
    }
}
