package dev.cairn.platform.kafka;

import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import io.smallrye.common.annotation.Identifier;

/**
 * The one way a Cairn service builds a Kafka client by hand. Every client starts from the Quarkus Kafka
 * configuration (every {@code kafka.*} property, as the {@code default-kafka-broker} map), so bootstrap servers and
 * security settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) set once for a service reach all of
 * its clients, not only the messaging channels. Callers add only what their client needs on top.
 */
@ApplicationScoped
public class KafkaClients {

    private final Map<String, Object> broker;

    @Inject
    public KafkaClients(@Identifier("default-kafka-broker") Map<String, Object> broker) {
        this.broker = Map.copyOf(broker);
    }

    /** The shared settings with {@code overrides} on top (an override wins). */
    public Map<String, Object> config(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(broker);
        config.putAll(overrides);
        return config;
    }

    public <K, V> KafkaProducer<K, V> producer(Map<String, Object> overrides, Serializer<K> keys,
            Serializer<V> values) {
        return new KafkaProducer<>(config(overrides), keys, values);
    }

    public <K, V> KafkaConsumer<K, V> consumer(Map<String, Object> overrides, Deserializer<K> keys,
            Deserializer<V> values) {
        return new KafkaConsumer<>(config(overrides), keys, values);
    }

    public Admin admin(Map<String, Object> overrides) {
        return Admin.create(config(overrides));
    }
}
