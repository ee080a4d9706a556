package dev.cairn.bench.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a consumer group still has to read: per partition it has committed, the records a read_committed consumer
 * would still be given after the group's committed offset.
 * <p>
 * Not the end offset minus the committed one: on a transactional topic the last offset is a commit marker, which a
 * consumer that commits "last record + 1" (SmallRye's throttled strategy) never commits past, so that difference
 * stays at 1 on an idle partition; and an aborted transaction's records count there but are never delivered.
 * When the difference is small the gap is read to count what is really in it; past {@code readLimit} it is
 * reported as is (a real backlog anyway).
 */
public final class ConsumerBacklog implements AutoCloseable {

    /** The consumer groups of the stack: identity, consent and segments' Kafka Streams application. */
    public static final List<String> CAIRN_GROUPS = List.of("cairn-identity", "cairn-consent", "cairn-segments");

    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> reader;
    private final long readLimit;

    public ConsumerBacklog(Properties kafka, long readLimit) {
        this.admin = Admin.create(kafka);
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        this.reader = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.readLimit = readLimit;
    }

    /** Records still to be read by the group, per topic (topics it has nothing left on are left out). */
    public Map<String, Long> remaining(String group) throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        Map<String, Long> remaining = new TreeMap<>();
        List<TopicPartition> toRead = new ArrayList<>();
        for (var e : committed.entrySet()) {
            if (e.getValue() == null || !ends.containsKey(e.getKey())) {
                continue;
            }
            long gap = ends.get(e.getKey()).offset() - e.getValue().offset();
            if (gap > readLimit) {
                remaining.merge(e.getKey().topic(), gap, Long::sum);
            } else if (gap > 0) {
                toRead.add(e.getKey());
            }
        }
        if (!toRead.isEmpty()) {
            reader.assign(toRead);
            Map<TopicPartition, Long> end = new HashMap<>();
            for (TopicPartition tp : toRead) {
                reader.seek(tp, committed.get(tp).offset());
                end.put(tp, ends.get(tp).offset());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (end.entrySet().stream().anyMatch(e -> reader.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + group + "'s gap " + toRead + " in 30 s");
                }
                for (var r : reader.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < end.get(tp)) {
                        remaining.merge(r.topic(), 1L, Long::sum);
                    }
                }
            }
        }
        return remaining;
    }

    /** Every group's remaining records; empty when every group has read everything. */
    public Map<String, Map<String, Long>> remaining(List<String> groups)
            throws InterruptedException, ExecutionException {
        Map<String, Map<String, Long>> all = new TreeMap<>();
        for (String group : groups) {
            Map<String, Long> left = remaining(group);
            if (!left.isEmpty()) {
                all.put(group, left);
            }
        }
        return all;
    }

    /**
     * How a wait for groups to drain went: seconds from the start of the wait until each group first had nothing
     * left (a group that never drained is absent), what was left at the end (empty when every group drained), and
     * the seconds the wait took.
     */
    public record Drain(Map<String, Double> drainedAfterSeconds, Map<String, Map<String, Long>> left,
            double seconds) {
    }

    /** Reads the groups' backlog every second until every group has read everything, or {@code max} has passed. */
    public Drain awaitDrained(List<String> groups, Duration max) throws InterruptedException, ExecutionException {
        long start = System.nanoTime();
        Map<String, Double> drainedAfter = new TreeMap<>();
        Map<String, Map<String, Long>> left = remaining(groups);
        while (true) {
            for (String group : groups) {
                if (!left.containsKey(group)) {
                    drainedAfter.putIfAbsent(group, (System.nanoTime() - start) / 1e9);
                }
            }
            if (left.isEmpty() || System.nanoTime() - start > max.toNanos()) {
                return new Drain(drainedAfter, left, (System.nanoTime() - start) / 1e9);
            }
            Thread.sleep(1000);
            left = remaining(groups);
        }
    }

    /** A group's committed partitions, to say what was checked. */
    public List<String> topics(String group) throws InterruptedException, ExecutionException {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().keySet().stream()
                .map(TopicPartition::topic).distinct().sorted().collect(Collectors.toList());
    }

    @Override
    public void close() {
        reader.close();
        admin.close();
    }
}
