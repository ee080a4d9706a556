package dev.cairn.ingest.service;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic from a point in time up to the end it had when the scan began, for operator jobs (re-drive,
 * replay). No consumer group: an operator job must not move a service's offsets. Blocking: run it on a worker.
 */
final class TopicScan {

    private final Map<String, Object> kafkaConfig;

    /** @param kafkaConfig the service's Kafka settings (bootstrap servers and security) */
    TopicScan(Map<String, Object> kafkaConfig) {
        this.kafkaConfig = Map.copyOf(kafkaConfig);
    }

    /**
     * @param from records written at or after this time (Kafka record timestamps); null = from the beginning
     * @param visit called for each record in partition order; return false to stop the scan
     */
    void scan(String topic, Instant from, Predicate<ConsumerRecord<byte[], byte[]>> visit) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            if (from == null) {
                consumer.seekToBeginning(partitions);
            } else {
                Map<TopicPartition, Long> times = new HashMap<>();
                partitions.forEach(p -> times.put(p, from.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
                for (TopicPartition p : partitions) {
                    OffsetAndTimestamp o = offsets.get(p);
                    consumer.seek(p, o == null ? end.get(p) : o.offset());
                }
            }
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition p = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() < end.get(p) && !visit.test(record)) {
                        return;
                    }
                }
            }
        }
    }
}
