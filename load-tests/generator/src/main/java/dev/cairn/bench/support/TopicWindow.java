package dev.cairn.bench.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What was committed to some topics between two moments: {@link #open} notes every partition's end offset, and
 * {@link #read} returns every record committed since, up to the end offsets at that call. Reads committed only
 * (ingest publishes in transactions, and an aborted record never reached anyone), assigns partitions itself (no
 * consumer group, nothing committed), so it sees the topics as a downstream consumer would.
 */
public final class TopicWindow implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    /** Reads nothing: it only tells the partitions' high watermarks, open transactions included. */
    private final KafkaConsumer<String, byte[]> uncommitted;
    private final Map<TopicPartition, Long> start;

    private TopicWindow(KafkaConsumer<String, byte[]> consumer, KafkaConsumer<String, byte[]> uncommitted,
            Map<TopicPartition, Long> start) {
        this.consumer = consumer;
        this.uncommitted = uncommitted;
        this.start = start;
    }

    /** @param kafka the operator's client settings (bootstrap servers and credentials: BenchContext#kafka) */
    public static TopicWindow open(Properties kafka, Collection<String> topics) {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " does not exist (has the stack started?)");
                }
                infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            }
            consumer.assign(partitions);
            Properties all = new Properties();
            all.putAll(props);
            all.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
            KafkaConsumer<String, byte[]> uncommitted = new KafkaConsumer<>(all, new StringDeserializer(),
                    new ByteArrayDeserializer());
            return new TopicWindow(consumer, uncommitted,
                    new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(30))));
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** Every record committed since {@link #open}, by topic, in partition order. */
    public Map<String, List<ConsumerRecord<String, byte[]>>> read(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> end = settledEnd(deadline);
        start.forEach(consumer::seek);
        Map<String, List<ConsumerRecord<String, byte[]>>> out = new LinkedHashMap<>();
        start.keySet().forEach(tp -> out.putIfAbsent(tp.topic(), new ArrayList<>()));
        while (!end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + start.keySet() + " up to " + end + " within "
                        + timeout);
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() < end.get(tp)) {
                    out.get(r.topic()).add(r);
                }
            }
        }
        return out;
    }

    /**
     * Where read_committed can read to once every transaction open at the call has ended: a transaction a fault left
     * open (its producer cut off; the broker aborts it only at its timeout, 30 s for ingest) holds back the readable
     * end of its partitions, and records committed after it, stored though they are, would look lost to a read that
     * stopped there (a CI smoke of faults-kafka-pause counted 34 "lost" events, parts of requests on some partitions
     * only, which an atomic transaction cannot lose). Waits until the readable end reaches the high watermark seen now,
     * or until the deadline, and returns the readable end then.
     */
    private Map<TopicPartition, Long> settledEnd(long deadline) {
        Map<TopicPartition, Long> written = uncommitted.endOffsets(start.keySet(), Duration.ofSeconds(30));
        while (true) {
            Map<TopicPartition, Long> readable = consumer.endOffsets(start.keySet(), Duration.ofSeconds(30));
            boolean settled = written.entrySet().stream().allMatch(e -> readable.get(e.getKey()) >= e.getValue());
            if (settled || System.nanoTime() > deadline) {
                return readable;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return readable;
            }
        }
    }

    /** Moves the start of the window to now: the next {@link #read} returns only what is committed later. */
    public void restart() {
        start.putAll(consumer.endOffsets(start.keySet(), Duration.ofSeconds(30)));
    }

    @Override
    public void close() {
        consumer.close();
        uncommitted.close();
    }
}
