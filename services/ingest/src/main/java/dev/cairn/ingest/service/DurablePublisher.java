package dev.cairn.ingest.service;

import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;

import dev.cairn.platform.grpc.DependencyUnavailableException;

/**
 * Publishes with an idempotent producer and acks=all, and completes only once Kafka has acknowledged the
 * record: ingest answers a client "accepted" only after this completes.
 */
@ApplicationScoped
public class DurablePublisher {

    private final KafkaProducer<String, byte[]> producer;

    public DurablePublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new StringSerializer(), new ByteArraySerializer());
    }

    public Uni<RecordMetadata> publish(String topic, String key, byte[] value) {
        return Uni.createFrom().emitter(emitter -> {
            try {
                producer.send(new ProducerRecord<>(topic, key, value), (metadata, failure) -> {
                    if (failure != null) {
                        emitter.fail(new DependencyUnavailableException("kafka", failure.getMessage(), failure));
                    } else {
                        emitter.complete(metadata);
                    }
                });
            } catch (RuntimeException e) {
                emitter.fail(new DependencyUnavailableException("kafka", e.getMessage(), e));
            }
        });
    }

    @PreDestroy
    void close() {
        producer.close();
    }
}
