package dev.cairn.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.TopicCatalog;
import dev.cairn.platform.contracts.TopicSpec;

/**
 * Kafka is closed, as the local stack runs it: the test broker of every service's suite, with the ACLs the catalogue
 * derives. A client without credentials, with a wrong password, or with another service's principal is refused on the
 * topics that are not its own; a service's own principal can do exactly its job. Each refusal is paired with the
 * same call allowed for the rightful principal, so a broker that refuses everything would fail here too.
 */
class KafkaAccessTest {

    private static final TopicCatalog CATALOG = TopicCatalog.load(ContractSource.packaged());
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void a_client_without_credentials_gets_nothing_not_even_the_topic_list() {
        KafkaBroker kafka = RealInfra.kafka();
        try (Admin anonymous = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                4000))) {
            // A PLAINTEXT client speaking to the SASL listener never completes a request.
            assertThrows(Exception.class, () -> anonymous.listTopics().names().get(10, TimeUnit.SECONDS));
        }
        try (Admin operator = Admin.create(kafka.operatorConfig(Map.of()))) {
            assertTrue(names(operator).contains("cairn.events.raw.v1"), "the operator sees the catalogue");
        }
    }

    @Test
    void a_wrong_password_is_refused() {
        KafkaBroker kafka = RealInfra.kafka();
        Map<String, Object> config = kafka.clientConfig("ingest", Map.of("sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"ingest\" "
                        + "password=\"not-the-password\";",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5000));
        try (Admin impostor = Admin.create(config)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> impostor.listTopics().names().get(15, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof SaslAuthenticationException, "refused at authentication: " + e);
        }
    }

    @Test
    void restricted_topics_are_read_by_their_owner_alone() {
        List<TopicSpec> restricted = CATALOG.topics().stream().filter(TopicSpec::restricted).toList();
        assertTrue(restricted.stream().anyMatch(t -> t.name().equals("cairn.events.raw.v1")), "raw is restricted");
        for (TopicSpec topic : restricted) {
            for (String service : TopicCatalog.SERVICES) {
                if (service.equals(topic.owner())) {
                    read(service, topic.name());
                } else {
                    assertThrows(TopicAuthorizationException.class, () -> read(service, topic.name()),
                            service + " must not read " + topic.name());
                }
            }
        }
    }

    @Test
    void a_service_reads_what_it_owns_or_is_a_reader_of_and_nothing_else() {
        for (TopicSpec topic : CATALOG.topics()) {
            for (String service : TopicCatalog.SERVICES) {
                boolean allowed = service.equals(topic.owner()) || topic.readers().contains(service);
                if (allowed) {
                    read(service, topic.name());
                } else {
                    assertThrows(TopicAuthorizationException.class, () -> read(service, topic.name()),
                            service + " must not read " + topic.name());
                }
            }
        }
    }

    @Test
    void no_service_can_write_another_services_topic_so_none_can_forge_consent_or_identity() {
        for (TopicSpec topic : CATALOG.topics()) {
            for (String service : TopicCatalog.SERVICES) {
                if (service.equals(topic.owner())) {
                    continue;
                }
                try (KafkaProducer<byte[], byte[]> producer = producer(service)) {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> producer.send(record(topic.name())).get(20, TimeUnit.SECONDS),
                            service + " must not write " + topic.name());
                    assertTrue(e.getCause() instanceof TopicAuthorizationException, service + " on " + topic.name()
                            + ": " + e.getCause());
                }
            }
        }
        // The owners can: a record written by consent to its state topic is read back by a reader (ingest).
        String marker = "access-" + UUID.randomUUID();
        try (KafkaProducer<byte[], byte[]> consent = producer("consent")) {
            assertEquals("cairn.consent.state.v1",
                    assertDoesNotFail(() -> consent.send(new ProducerRecord<>("cairn.consent.state.v1",
                            marker.getBytes(StandardCharsets.UTF_8), null)).get(20, TimeUnit.SECONDS).topic()));
        }
        assertTrue(read("ingest", "cairn.consent.state.v1").stream()
                .anyMatch(r -> new String(r.key(), StandardCharsets.UTF_8).equals(marker)), "ingest reads it back");
    }

    @Test
    void groups_and_transactional_ids_are_each_services_own() {
        KafkaBroker kafka = RealInfra.kafka();
        // Identity may not join consent's consumer group (it would steal its partitions) ...
        Map<String, Object> stealing = kafka.clientConfig("identity",
                Map.of(ConsumerConfig.GROUP_ID_CONFIG, "cairn-consent-signals", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(stealing, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("cairn.identity.links.v1"));
            assertThrows(GroupAuthorizationException.class, () -> consumer.poll(WAIT));
        }
        // ... nor open ingest's transactions (it would fence ingest's producers).
        Map<String, Object> fencing = kafka.clientConfig("identity",
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cairn-ingest-" + UUID.randomUUID(),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 20000));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(fencing, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            assertThrows(TransactionalIdAuthorizationException.class, producer::initTransactions);
        }
        // Its own: allowed.
        Map<String, Object> own = kafka.clientConfig("ingest",
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cairn-ingest-" + UUID.randomUUID(),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 20000));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(own, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
        }
    }

    private static <T> T assertDoesNotFail(java.util.concurrent.Callable<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new AssertionError("refused where it must be allowed", e);
        }
    }

    private static java.util.Set<String> names(Admin admin) {
        try {
            return admin.listTopics().names().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic) {
        return new ProducerRecord<>(topic, "forged".getBytes(StandardCharsets.UTF_8),
                "forged".getBytes(StandardCharsets.UTF_8));
    }

    private static KafkaProducer<byte[], byte[]> producer(String service) {
        return new KafkaProducer<>(
                RealInfra.kafka().clientConfig(service,
                        Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_BLOCK_MS_CONFIG, 20000,
                                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20000,
                                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000)),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Every committed record of {@code topic}, read as {@code service} without a consumer group (assigned
     * partitions); the first fetch throws TopicAuthorizationException when the principal may not read it.
     */
    private static List<ConsumerRecord<byte[], byte[]>> read(String service, String topic) {
        Map<String, Object> config = RealInfra.kafka().clientConfig(service,
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20000));
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < CATALOG.topic(topic).partitions(); p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, WAIT);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
