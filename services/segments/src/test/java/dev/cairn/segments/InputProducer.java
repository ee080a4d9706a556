package dev.cairn.segments;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import com.google.protobuf.Message;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.testsupport.RealInfra;

/** Publishes input records to the real test broker the way ingest, identity and consent do (protobuf bytes). */
final class InputProducer implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
            RealInfra.kafka().operatorConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all")), new ByteArraySerializer(),
            new ByteArraySerializer());

    void send(String topic, String key, Message value) {
        try {
            producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(),
                    value == null ? null : value.toByteArray())).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    void tombstone(String topic, String key) {
        try {
            producer.send(new ProducerRecord<>(topic, key.getBytes(), null)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    void event(Event e) {
        send("cairn.events.governed.v1", e.getUserId().isEmpty() ? e.getAnonymousId() : e.getUserId(), e);
    }

    static Event track(String userId, String name, Instant at, Map<String, Value> properties) {
        return Event.newBuilder().setMessageId(UUID.randomUUID().toString()).setType(EventType.EVENT_TYPE_TRACK)
                .setEvent(name).setUserId(userId).setTimestamp(ProfileEngine.timestamp(at.toEpochMilli()))
                .setReceivedAt(ProfileEngine.timestamp(at.toEpochMilli()))
                .setProperties(MapValue.newBuilder().putAllFields(properties)).build();
    }

    static Event identify(String userId, Instant at, Map<String, Value> traits) {
        return Event.newBuilder().setMessageId(UUID.randomUUID().toString()).setType(EventType.EVENT_TYPE_IDENTIFY)
                .setUserId(userId).setTimestamp(ProfileEngine.timestamp(at.toEpochMilli()))
                .setReceivedAt(ProfileEngine.timestamp(at.toEpochMilli()))
                .setTraits(MapValue.newBuilder().putAllFields(traits)).build();
    }

    @Override
    public void close() {
        producer.close();
    }
}
