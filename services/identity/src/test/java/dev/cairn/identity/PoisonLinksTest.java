package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.identity.kafka.IdentifierLinksConsumer;
import dev.cairn.platform.kafka.DeadLetters;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentifierLinks;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.testsupport.DeadLetterProbe;
import dev.cairn.testsupport.RealInfra;

/**
 * A record identity can never link is set aside, and the consumer carries on: poison written straight to
 * cairn.identity.links.v1 goes to cairn.dead-letters.identity-links.v1 with its reason, is counted, and the good
 * records around it (in the same poll) are linked. Runs on real Kafka and PostgreSQL: PostgreSQL's refusal of a
 * NUL byte is what makes the record poison.
 */
@QuarkusTest
class PoisonLinksTest {

    private static final String LINKS = "cairn.identity.links.v1";
    private static final String CONSUMER = IdentifierLinksConsumer.CONSUMER;
    /** Partitions these tests write to without transactions, so that their lag can be read exactly. */
    private static final int POISON_PARTITION = 4;
    private static final int OUTAGE_PARTITION = 5;
    private static final int TRANSACTIONS_PARTITION = 3;

    private static ManagedChannel channel;

    @BeforeAll
    static void open() {
        channel = IdentityFixture.channel();
    }

    @AfterAll
    static void close() {
        channel.shutdownNow();
    }

    private static int managementPort() {
        return ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Map<String, Object> config = RealInfra.kafka().operatorConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all"));
        config.putAll(extra);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends every value to one partition in one go, so that the consumer most likely takes them in one poll. */
    private static void send(int partition, byte[]... values) {
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 50))) {
            List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
            for (byte[] value : values) {
                sent.add(producer.send(new ProducerRecord<>(LINKS, partition, "poison-test".getBytes(), value)));
            }
            for (var f : sent) {
                f.get();
            }
        } catch (Exception e) {
            throw new AssertionError("cannot publish", e);
        }
    }

    private static IdentifierLinks pair(Identifier a, Identifier b) {
        return IdentityFixture.links(a, b);
    }

    private static String reasonOf(byte[] value) {
        List<ConsumerRecord<byte[], byte[]>> found = DeadLetterProbe.deadLettersOf(CONSUMER, value, 1,
                Duration.ofSeconds(30));
        assertFalse(found.isEmpty(), "the poison record is on " + DeadLetters.topic(CONSUMER));
        ConsumerRecord<byte[], byte[]> letter = found.get(0);
        assertEquals(LINKS, DeadLetterProbe.header(letter, DeadLetters.SOURCE_TOPIC));
        assertEquals(Integer.toString(POISON_PARTITION), DeadLetterProbe.header(letter, DeadLetters.SOURCE_PARTITION));
        assertEquals(CONSUMER, DeadLetterProbe.header(letter, DeadLetters.CONSUMER));
        assertEquals("poison-test", new String(letter.key(), StandardCharsets.UTF_8), "the original key is kept");
        return DeadLetterProbe.header(letter, DeadLetters.REASON);
    }

    @Test
    void poison_links_are_dead_lettered_with_their_reason_and_the_links_around_them_are_linked() {
        double unparsableBefore = DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, "unparsable");
        double refusedBefore = DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, "rejected_by_store");
        Identifier before = id("user_id", IdentityFixture.unique("before"));
        Identifier after = id("user_id", IdentityFixture.unique("after"));
        byte[] unparsable = "not an IdentifierLinks \u0001\u0002".getBytes(StandardCharsets.UTF_8);
        // What ingest let through before it checked control characters: PostgreSQL refuses a NUL in text.
        byte[] nulMessageId = pair(id("user_id", IdentityFixture.unique("nul")), id("anonymous_id", "a"))
                .toBuilder().setMessageId("m-\u0000-" + UUID.randomUUID()).build().toByteArray();
        // A tombstone: nothing ingest writes, but nothing stops a client of the broker from writing one.
        byte[] tombstone = null;
        send(POISON_PARTITION, pair(before, id("anonymous_id", IdentityFixture.unique("b1"))).toByteArray(),
                unparsable, nulMessageId, tombstone,
                pair(after, id("anonymous_id", IdentityFixture.unique("a1"))).toByteArray());

        IdentityFixture.awaitResolution(channel, before, Resolution::getFound);
        IdentityFixture.awaitResolution(channel, after, Resolution::getFound);
        assertEquals("unparsable", reasonOf(unparsable));
        assertEquals("rejected_by_store", reasonOf(nulMessageId));
        assertEquals("unparsable", reasonOf(tombstone));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals(unparsableBefore + 2,
                    DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, "unparsable"));
            assertEquals(refusedBefore + 1,
                    DeadLetterProbe.deadLetterCount(managementPort(), CONSUMER, "rejected_by_store"));
        });
        // The consumer committed past all of it: nothing is retried, nothing waits behind the poison.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                () -> DeadLetterProbe.lag("cairn-identity", LINKS, List.of(POISON_PARTITION)) == 0);
    }

    @Test
    void a_link_while_postgresql_is_away_waits_for_it_and_is_never_dead_lettered() {
        Identifier user = id("user_id", IdentityFixture.unique("outage"));
        byte[] links = pair(user, id("anonymous_id", IdentityFixture.unique("outage"))).toByteArray();
        RealInfra.postgres().stopForOutage();
        try {
            send(OUTAGE_PARTITION, links);
            // Long enough for several attempts: a failure taken for permanent would be dead-lettered in about a second.
            Awaitility.await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10))
                    .until(() -> DeadLetterProbe.deadLettersOf(CONSUMER, links, 1, Duration.ofMillis(500)).isEmpty());
        } finally {
            RealInfra.postgres().restart();
        }
        IdentityFixture.awaitResolution(channel, user, Resolution::getFound);
        assertTrue(DeadLetterProbe.deadLettersOf(CONSUMER, links, 1, Duration.ofSeconds(2)).isEmpty(),
                "a link that failed only because PostgreSQL was away is not a dead letter");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                () -> DeadLetterProbe.lag("cairn-identity", LINKS, List.of(OUTAGE_PARTITION)) == 0);
    }

    @Test
    void the_links_of_an_aborted_transaction_are_never_linked() throws Exception {
        Identifier aborted = id("user_id", IdentityFixture.unique("aborted"));
        Identifier committed = id("user_id", IdentityFixture.unique("committed"));
        try (KafkaProducer<byte[], byte[]> producer = producer(
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "poison-test-" + UUID.randomUUID()))) {
            producer.initTransactions();
            // What ingest does when a request's transaction fails: the client is answered RETRY, nothing is kept.
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(LINKS, TRANSACTIONS_PARTITION, null,
                    pair(aborted, id("anonymous_id", IdentityFixture.unique("ab"))).toByteArray())).get();
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(LINKS, TRANSACTIONS_PARTITION, null,
                    pair(committed, id("anonymous_id", IdentityFixture.unique("co"))).toByteArray()));
            producer.commitTransaction();
        }
        // The committed record comes after the aborted one on the same partition: once it is linked, the consumer
        // has gone past the aborted one.
        IdentityFixture.awaitResolution(channel, committed, Resolution::getFound);
        assertFalse(IdentityFixture.resolve(channel, aborted).getFound(),
                "a record of an aborted transaction was linked: the consumer reads uncommitted records");
    }
}
