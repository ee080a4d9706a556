package dev.cairn.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.cairn.ingest.service.EventIngestor;
import dev.cairn.proto.events.v1.ConsentSignal;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.IdentifierLinks;
import dev.cairn.proto.events.v1.QuarantinedEvent;
import dev.cairn.testsupport.RealInfra;

/**
 * Reads back, read_committed as every consumer does, what ingest wrote to each of its topics between two sets
 * of offsets, and checks each record with the consumers' own {@code parseFrom} and {@link ConsumerConstraints}.
 */
final class IngestedRecords {

    static final List<String> EVENT_TOPICS = List.of(EventIngestor.RAW_TOPIC, EventIngestor.GOVERNED_TOPIC,
            "cairn.dest.email_marketing.v1", "cairn.dest.advertising.v1");
    static final List<String> TOPICS = List.of(EventIngestor.RAW_TOPIC, EventIngestor.GOVERNED_TOPIC,
            "cairn.dest.email_marketing.v1", "cairn.dest.advertising.v1", EventIngestor.QUARANTINE_TOPIC,
            EventIngestor.LINKS_TOPIC, EventIngestor.SIGNALS_TOPIC);
    private static final int MAX_PROBLEMS = Integer.getInteger("fuzz.max-failures", 40);

    /** End offsets per partition of ingest's topics. */
    record Offsets(Map<TopicPartition, Long> end) {
    }

    record Report(long records, Map<String, Long> perTopic, List<String> problems) {
    }

    private IngestedRecords() {
    }

    static Offsets endOffsets() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            return new Offsets(consumer.endOffsets(partitions(consumer)));
        }
    }

    static Report check(Offsets from, Offsets to) {
        Map<String, Long> perTopic = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        long[] records = {0};
        List<TopicPartition> unread = read(from, to, TOPICS, r -> {
            records[0]++;
            perTopic.merge(r.topic(), 1L, Long::sum);
            String problem = problem(r);
            if (problem != null && problems.size() < MAX_PROBLEMS) {
                problems.add(r.topic() + "@" + r.partition() + ":" + r.offset() + " (key "
                        + ConsumerConstraints.quote(r.key()) + "): " + problem);
            }
        });
        if (!unread.isEmpty()) {
            problems.add("could not read to the end of " + unread);
        }
        return new Report(records[0], perTopic, problems);
    }

    /** The identifier links ingest wrote between the two offsets, in each partition's order. */
    static List<IdentifierLinks> links(Offsets from, Offsets to) {
        List<IdentifierLinks> links = new ArrayList<>();
        List<TopicPartition> unread = read(from, to, List.of(EventIngestor.LINKS_TOPIC), r -> {
            try {
                links.add(IdentifierLinks.parseFrom(r.value()));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError("a links record identity cannot parse: " + e, e);
            }
        });
        if (!unread.isEmpty()) {
            throw new AssertionError("could not read to the end of " + unread);
        }
        return links;
    }

    /**
     * Feeds every record of the topics between the two offsets, read_committed, to {@code each}; returns the
     * partitions it could not read to the end of within 10 minutes.
     */
    private static List<TopicPartition> read(Offsets from, Offsets to, List<String> topics,
            java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = to.end().keySet().stream().filter(p -> topics.contains(p.topic()))
                    .toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition p : partitions) {
                long start = from.end().getOrDefault(p, 0L);
                consumer.seek(p, start);
                if (to.end().get(p) > start) {
                    remaining.put(p, to.end().get(p));
                }
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (!remaining.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition p = new TopicPartition(r.topic(), r.partition());
                    Long end = remaining.get(p);
                    if (end == null || r.offset() >= end) {
                        continue;
                    }
                    each.accept(r);
                    if (r.offset() + 1 >= end) {
                        remaining.remove(p);
                    }
                }
                // A transaction marker can be the last offset: a partition whose position passed the end is done.
                remaining.keySet().removeIf(p -> consumer.position(p) >= remaining.get(p));
            }
            return List.copyOf(remaining.keySet());
        }
    }

    /** What a consumer of the record's topic would trip over, or null. */
    private static String problem(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return "a null value";
        }
        try {
            String topic = r.topic();
            if (EVENT_TOPICS.contains(topic)) {
                return ConsumerConstraints.event(Event.parseFrom(r.value()), r.key());
            }
            if (topic.equals(EventIngestor.QUARANTINE_TOPIC)) {
                return ConsumerConstraints.quarantined(QuarantinedEvent.parseFrom(r.value()), r.key());
            }
            if (topic.equals(EventIngestor.LINKS_TOPIC)) {
                return ConsumerConstraints.links(IdentifierLinks.parseFrom(r.value()), r.key());
            }
            if (topic.equals(EventIngestor.SIGNALS_TOPIC)) {
                return ConsumerConstraints.signal(ConsentSignal.parseFrom(r.value()), r.key());
            }
            return null;
        } catch (Exception e) {
            return "cannot be parsed by its consumers: " + e;
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : TOPICS) {
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        }
        return partitions;
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(
                RealInfra.kafka()
                        .operatorConfig(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "fuzz-check-" + UUID.randomUUID(),
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024)),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
