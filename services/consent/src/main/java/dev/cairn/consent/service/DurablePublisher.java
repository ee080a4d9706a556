package dev.cairn.consent.service;

import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import dev.cairn.platform.grpc.DependencyUnavailableException;
import dev.cairn.platform.kafka.KafkaClients;

/**
 * Publishes with an idempotent producer and acks=all, completing only once Kafka acknowledged: consent answers a
 * caller only after the state it derived is durable on the topic. A null value is a tombstone.
 */
@ApplicationScoped
public class DurablePublisher {

    private final KafkaProducer<String, byte[]> producer;

    @Inject
    public DurablePublisher(KafkaClients kafka) {
        this.producer = kafka.producer(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 1,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000), new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Completes on the caller's Vert.x context (not the producer's I/O thread), so a Hibernate Reactive session
     * can go on after it.
     */
    public Uni<RecordMetadata> publish(String topic, String key, byte[] value) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            Uni<RecordMetadata> sent = send(topic, key, value);
            return context == null ? sent : sent.emitOn(task -> context.runOnContext(ignored -> task.run()));
        });
    }

    private Uni<RecordMetadata> send(String topic, String key, byte[] value) {
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
