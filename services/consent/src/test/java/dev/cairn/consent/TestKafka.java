package dev.cairn.consent;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.cairn.testsupport.RealInfra;

/** Publishes what other services would (ingest's signals, identity's changes) to the real test broker. */
final class TestKafka {

    private TestKafka() {
    }

    static void send(String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                RealInfra.kafka().operatorConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all")),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot publish to " + topic, e);
        }
    }
}
