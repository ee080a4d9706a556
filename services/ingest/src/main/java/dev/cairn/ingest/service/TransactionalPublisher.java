package dev.cairn.ingest.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;

import dev.cairn.platform.grpc.BackpressureException;
import dev.cairn.platform.grpc.DependencyUnavailableException;

/**
 * Writes all the records of one request (raw, identifier links, consent signals, destinations, quarantine) in
 * one Kafka transaction with an idempotent, acks=all producer: either every record of the request is stored
 * and visible to read_committed consumers, or none is and every event of the request can be retried without a
 * duplicate. A small pool of transactional producers lets requests commit concurrently; the blocking
 * transaction calls run on the pool's own threads, never on an event loop.
 */
public final class TransactionalPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TransactionalPublisher.class);
    /**
     * How often a commit that timed out is awaited again. Each wait is bounded by max.block.ms (15 s), so the
     * last one ends after the transaction timeout (30 s): by then the coordinator has committed or aborted it.
     */
    static final int COMMIT_ATTEMPTS = 3;
    /** Requests waiting for a producer thread, per producer; beyond it a request is refused, not queued. */
    static final int QUEUED_PER_PRODUCER = 64;

    /**
     * Kafka did not say whether the request's transaction committed (every wait for it timed out): its events may
     * be stored. The caller must not release their dedup reservations (a retry inside the in-flight window is
     * answered RETRY, not stored twice).
     */
    public static final class CommitOutcomeUnknownException extends DependencyUnavailableException {
        CommitOutcomeUnknownException(Throwable cause) {
            super("kafka", "the commit was not confirmed in time; whether it happened is unknown", cause);
        }
    }

    /** Attempts at initTransactions, each bounded by max.block.ms (15 s): two minutes for a slow broker. */
    static final int INIT_ATTEMPTS = 8;

    /** The producer's limit on one request to the broker, and so on one record (Kafka's default, set explicitly). */
    static final int MAX_REQUEST_BYTES = 1_048_576;
    /**
     * The largest record value the pipeline hands over: below {@link #MAX_REQUEST_BYTES} and the broker's default
     * message.max.bytes with room for the key (an id of at most 256 characters), the trace headers and the batch
     * framing. One record over the limit fails the whole transaction, so the pipeline never passes a larger one.
     */
    public static final int MAX_RECORD_BYTES = 1_000_000;

    /** One record; {@code headers} carry the trace context (W3C traceparent) of the request that made it. */
    public record Record(String topic, String key, byte[] value, Map<String, String> headers) {

        public Record(String topic, String key, byte[] value) {
            this(topic, key, value, Map.of());
        }
    }

    private final Map<String, Object> config;
    private final BlockingQueue<KafkaProducer<String, byte[]>> idle;
    private final List<KafkaProducer<String, byte[]>> all = new ArrayList<>();
    private final ExecutorService executor;
    private final Duration acquireTimeout;

    /**
     * @param clientConfig the service's Kafka settings (bootstrap servers and security, {@code KafkaClients#config})
     * @param extraConfig producer settings on top of this publisher's own (tests shrink limits with it)
     */
    public TransactionalPublisher(Map<String, Object> clientConfig, int producers, Duration acquireTimeout,
            Map<String, String> extraConfig) {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.putAll(extraConfig);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST_BYTES);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15000);
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30000);
        this.config = c;
        this.idle = new ArrayBlockingQueue<>(producers);
        this.acquireTimeout = acquireTimeout;
        // Bounded: with a slow broker the requests wait here, so the queue is what makes backpressure reachable.
        this.executor = new ThreadPoolExecutor(producers, producers, 0L, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(producers * QUEUED_PER_PRODUCER), r -> {
                    Thread t = new Thread(r, "ingest-publisher");
                    t.setDaemon(true);
                    return t;
                });
        for (int i = 0; i < producers; i++) {
            KafkaProducer<String, byte[]> p = newProducer();
            all.add(p);
            idle.add(p);
        }
    }

    private KafkaProducer<String, byte[]> newProducer() {
        Map<String, Object> c = new HashMap<>(config);
        // Unique per producer and process: two replicas never fence each other; a crashed one's open
        // transaction is aborted by the broker after transaction.timeout.ms.
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cairn-ingest-" + UUID.randomUUID());
        KafkaProducer<String, byte[]> p = new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
        // A broker that is slow to answer (starting, or a loaded machine) times initTransactions out after
        // max.block.ms; Kafka says it is safe to retry, and giving up at the first timeout made ingest fail to start.
        for (int attempt = 1;; attempt++) {
            try {
                p.initTransactions();
                return p;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (attempt >= INIT_ATTEMPTS) {
                    p.close(Duration.ZERO);
                    throw e;
                }
                LOG.warnf("Kafka did not initialize a transactional producer in time (attempt %d of %d); retrying",
                        attempt, INIT_ATTEMPTS);
            }
        }
    }

    /** Completes once every record is committed; fails with DependencyUnavailable (nothing visible) otherwise. */
    public Uni<Void> publish(List<Record> records) {
        if (records.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().<Void>item(() -> {
            KafkaProducer<String, byte[]> producer;
            try {
                producer = idle.poll(acquireTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DependencyUnavailableException("kafka", "interrupted", e);
            }
            if (producer == null) {
                throw new BackpressureException("every Kafka producer is busy", Duration.ofSeconds(1));
            }
            try {
                transact(producer, records);
                idle.add(producer);
                return null;
            } catch (ProducerFencedException e) {
                replace(producer);
                throw new DependencyUnavailableException("kafka", "producer fenced", e);
            } catch (CommitOutcomeUnknownException e) {
                // The producer cannot begin another transaction before this one is resolved.
                replace(producer);
                throw e;
            } catch (RuntimeException e) {
                try {
                    producer.abortTransaction();
                    idle.add(producer);
                } catch (RuntimeException abortFailure) {
                    replace(producer);
                }
                throw e instanceof BackpressureException
                        ? e
                        : new DependencyUnavailableException("kafka", String.valueOf(e.getMessage()), e);
            }
        }).runSubscriptionOn(executor).onFailure(RejectedExecutionException.class)
                .transform(e -> new BackpressureException("too many requests wait for a Kafka producer",
                        Duration.ofSeconds(1)));
    }

    private static void transact(KafkaProducer<String, byte[]> producer, List<Record> records) {
        producer.beginTransaction();
        for (Record r : records) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(r.topic(), r.key(), r.value());
            r.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            producer.send(record);
        }
        commit(producer);
    }

    /**
     * commitTransaction flushes and fails if any send failed. A timeout is not a failure: the commit may still
     * happen, and Kafka lets the same call be made again to await it. Treating it as an abort would release dedup
     * for events that are then stored, and a retry would store them twice.
     */
    private static void commit(KafkaProducer<String, byte[]> producer) {
        for (int attempt = 1;; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (attempt >= COMMIT_ATTEMPTS) {
                    throw new CommitOutcomeUnknownException(e);
                }
                LOG.warnf("a Kafka commit timed out (attempt %d of %d); awaiting it again", attempt, COMMIT_ATTEMPTS);
            }
        }
    }

    private void replace(KafkaProducer<String, byte[]> broken) {
        synchronized (all) {
            all.remove(broken);
            try {
                // Not Duration.ZERO: a transaction request already queued (an abort, a commit) still goes out, so the
                // broker does not keep the transaction open, and every read_committed consumer behind it, until
                // transaction.timeout.ms.
                broken.close(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debug("closing a broken producer failed", e);
            }
            try {
                KafkaProducer<String, byte[]> fresh = newProducer();
                all.add(fresh);
                idle.add(fresh);
            } catch (RuntimeException e) {
                LOG.error("cannot create a replacement Kafka producer; ingest capacity is reduced", e);
            }
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        synchronized (all) {
            all.forEach(p -> p.close(Duration.ofSeconds(5)));
        }
    }
}
