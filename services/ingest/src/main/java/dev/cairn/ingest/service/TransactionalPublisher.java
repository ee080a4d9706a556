package dev.cairn.ingest.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

import dev.cairn.platform.grpc.BackpressureException;
import dev.cairn.platform.grpc.DependencyUnavailableException;

/**
 * Writes all the records of one request (raw, identifier links, consent signals, destinations, quarantine) in
 * one Kafka transaction with an idempotent, acks=all producer: either every record of the request is stored
 * and visible to read_committed consumers, or none is and every event of the request can be retried without a
 * duplicate.
 * <p>
 * <b>Group commit.</b> A commit costs the same few round trips to the transaction coordinator whatever it
 * carries, and with one transaction per request it was what bounded ingest (a request of 100 events waited for
 * its own commit). So requests arriving within {@link GroupCommit#maxWait()} of each other share one
 * transaction on one producer: a committer thread takes the oldest waiting request, begins a transaction, sends
 * its records, keeps adding the requests that arrive until the wait is over or the transaction holds
 * {@link GroupCommit#maxRecords()} records or {@link GroupCommit#maxBytes()} bytes (whole requests: the last may
 * take it past them), then commits once. Every
 * request of the transaction is answered from that one outcome: all committed, or all failed the same way
 * (DependencyUnavailable, or {@link CommitOutcomeUnknownException} when Kafka did not say). A request is never
 * split over two transactions, so it still never half lands, and what callers do with dedup on a failure
 * (release it, or keep it in flight when the outcome is unknown) stays right for every request in the group.
 * <p>
 * Each producer has its own committer thread, so the blocking transaction calls never run on an event loop;
 * {@link #publish} only enqueues. The queue is bounded: when it is full a request is refused with
 * backpressure, and one that waited longer than the acquire timeout before a committer took it is refused the
 * same way, nothing of it sent.
 */
public final class TransactionalPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TransactionalPublisher.class);
    /**
     * How often a commit that timed out is awaited again. Each wait is bounded by max.block.ms (15 s), so the
     * last one ends after the transaction timeout (30 s): by then the coordinator has committed or aborted it.
     */
    static final int COMMIT_ATTEMPTS = 3;
    /** Requests waiting for a transaction, per producer; beyond it a request is refused, not queued. */
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
    /** How long the broker lets a transaction stay open before it aborts it (one left by a dead process). */
    public static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(30);

    /** One record; {@code headers} carry the trace context (W3C traceparent) of the request that made it. */
    public record Record(String topic, String key, byte[] value, Map<String, String> headers) {

        public Record(String topic, String key, byte[] value) {
            this(topic, key, value, Map.of());
        }

        /** What the record weighs against {@link GroupCommit#maxBytes()}: key and value, headers ignored. */
        int weight() {
            return value.length + (key == null ? 0 : key.length());
        }
    }

    /**
     * When a shared transaction stops taking requests: {@code maxWait} after the oldest of them was queued, or once
     * it holds {@code maxRecords} records or {@code maxBytes} bytes (requests are never split, so the last one may
     * take it past them). {@code maxWait} of zero takes only the requests already waiting.
     */
    public record GroupCommit(Duration maxWait, int maxRecords, long maxBytes) {

        /**
         * The transaction is open while requests join it, and the coordinator aborts one open longer than
         * transaction.timeout.ms (30 s): the wait stays well below that.
         */
        static final Duration MAX_WAIT_LIMIT = Duration.ofSeconds(10);

        public GroupCommit {
            if (maxWait.isNegative() || maxWait.compareTo(MAX_WAIT_LIMIT) > 0 || maxRecords < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("group commit: max-wait must be 0 to " + MAX_WAIT_LIMIT
                        + ", max-records and max-bytes at least 1; got " + maxWait + ", " + maxRecords + ", "
                        + maxBytes);
            }
        }
    }

    /** Counts since start: transactions ended (committed or not), the requests and records they carried. */
    public record Stats(long transactions, long requests, long records, long committedTransactions) {
    }

    /** A request waiting for, then inside, a transaction; answered once from the transaction's outcome. */
    private static final class Pending {
        final List<Record> records;
        final long weight;
        final long queuedAt = System.nanoTime();
        final UniEmitter<? super Void> emitter;

        Pending(List<Record> records, UniEmitter<? super Void> emitter) {
            this.records = records;
            this.weight = records.stream().mapToLong(Record::weight).sum();
            this.emitter = emitter;
        }

        void complete() {
            try {
                emitter.complete(null);
            } catch (RuntimeException e) {
                LOG.warn("answering a committed request failed", e);
            }
        }

        void fail(Throwable failure) {
            try {
                emitter.fail(failure);
            } catch (RuntimeException e) {
                LOG.warn("answering a failed request failed", e);
            }
        }
    }

    private final Map<String, Object> config;
    private final String instanceId;
    private final Duration acquireTimeout;
    private final GroupCommit groupCommit;
    private final LinkedBlockingDeque<Pending> queue;
    private final List<Committer> committers = new ArrayList<>();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong committedTransactions = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private volatile boolean closing;

    /**
     * @param clientConfig the service's Kafka settings (bootstrap servers and security, {@code KafkaClients#config})
     * @param instanceId this process among ingest's replicas: part of every transactional id, so it must differ
     *        between replicas running at once and stay the same across a restart of one (see {@link #transactionalId})
     * @param extraConfig producer settings on top of this publisher's own (tests shrink limits with it)
     */
    public TransactionalPublisher(Map<String, Object> clientConfig, String instanceId, int producers,
            Duration acquireTimeout, GroupCommit groupCommit, Map<String, String> extraConfig) {
        if (instanceId == null || !instanceId.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("cairn.ingest.instance-id must be 1 to 200 letters, digits, '.', '_'"
                    + " or '-'; got '" + instanceId + "'");
        }
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST_BYTES);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15000);
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) TRANSACTION_TIMEOUT.toMillis());
        c.putAll(extraConfig);
        this.config = c;
        this.instanceId = instanceId;
        this.acquireTimeout = acquireTimeout;
        this.groupCommit = groupCommit;
        // Bounded: with a slow broker the requests wait here, so the queue is what makes backpressure reachable.
        this.queue = new LinkedBlockingDeque<>(producers * QUEUED_PER_PRODUCER);
        for (KafkaProducer<String, byte[]> producer : initializedProducers(producers)) {
            committers.add(new Committer(committers.size(), producer));
        }
        committers.forEach(Committer::start);
    }

    /**
     * The producers, each with its transactions initialized, all at once: each initTransactions is a SCRAM login
     * and a few round trips to the transaction coordinator, and one after the other they added up on ingest's start
     * path (load-tests/README.md, start-up). If one fails, those that succeeded are closed and the failure thrown.
     */
    private List<KafkaProducer<String, byte[]>> initializedProducers(int producers) {
        List<CompletableFuture<KafkaProducer<String, byte[]>>> inits = new ArrayList<>();
        for (int i = 0; i < producers; i++) {
            int index = i;
            inits.add(CompletableFuture.supplyAsync(() -> newProducer(index), task -> {
                Thread t = new Thread(task, "ingest-producer-init-" + index);
                t.setDaemon(true);
                t.start();
            }));
        }
        List<KafkaProducer<String, byte[]>> ready = new ArrayList<>();
        RuntimeException failure = null;
        for (CompletableFuture<KafkaProducer<String, byte[]>> init : inits) {
            try {
                ready.add(init.join());
            } catch (CompletionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            ready.forEach(p -> p.close(Duration.ZERO));
            throw failure;
        }
        return ready;
    }

    /**
     * Stable, not random: {@code cairn-ingest-<instance>-<index>}. A replica that restarts under the same instance
     * id (a Kubernetes container restarted in its pod keeps the pod's HOSTNAME) calls initTransactions with the ids
     * its previous life used, which fences that zombie and makes the broker abort the transaction it left open at
     * once. With a random id nothing fences the zombie, and its open transaction holds back the last stable offset,
     * so every read_committed consumer of ingest's topics, until transaction.timeout.ms (30 s). Two replicas
     * running at once with the same instance id fence each other in turn: each must have its own.
     */
    static String transactionalId(String instanceId, int index) {
        return "cairn-ingest-" + instanceId + "-" + index;
    }

    private KafkaProducer<String, byte[]> newProducer(int index) {
        Map<String, Object> c = new HashMap<>(config);
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(instanceId, index));
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

    /**
     * Completes once every record is committed (with those of the requests that shared the transaction); fails
     * with DependencyUnavailable (nothing visible), {@link CommitOutcomeUnknownException}, or backpressure
     * (nothing sent). Only enqueues: safe on an event loop.
     */
    public Uni<Void> publish(List<Record> records) {
        if (records.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().emitter(emitter -> {
            if (closing) {
                emitter.fail(new DependencyUnavailableException("kafka", "ingest is stopping", null));
            } else if (!queue.offer(new Pending(records, emitter))) {
                emitter.fail(new BackpressureException("too many requests wait for a Kafka transaction",
                        Duration.ofSeconds(1)));
            }
        });
    }

    /** Transactions ended and requests they carried, since start (tests and metrics). */
    public Stats stats() {
        return new Stats(transactions.get(), requests.get(), records.get(), committedTransactions.get());
    }

    /** Requests waiting for a committer. */
    public int waiting() {
        return queue.size();
    }

    /** One producer and the thread that runs its transactions, one after another. */
    private final class Committer implements Runnable {
        private final int index;
        private final Thread thread;
        private KafkaProducer<String, byte[]> producer;

        Committer(int index, KafkaProducer<String, byte[]> producer) {
            this.index = index;
            this.producer = producer;
            this.thread = new Thread(this, "ingest-publisher-" + index);
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        @Override
        public void run() {
            while (!closing) {
                Pending first;
                try {
                    first = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (first != null && admissible(first)) {
                    transact(first);
                }
            }
        }

        /** A request that waited past the acquire timeout is refused unsent: the client is told to back off. */
        private boolean admissible(Pending p) {
            if (System.nanoTime() - p.queuedAt > acquireTimeout.toNanos()) {
                p.fail(new BackpressureException("every Kafka producer is busy", Duration.ofSeconds(1)));
                return false;
            }
            return true;
        }

        private void transact(Pending first) {
            List<Pending> group = new ArrayList<>();
            group.add(first);
            if (producer == null && !recreate()) {
                finish(group, new DependencyUnavailableException("kafka", "no transactional producer", null), false);
                return;
            }
            try {
                producer.beginTransaction();
                send(first);
                long deadline = first.queuedAt + groupCommit.maxWait().toNanos();
                int recordCount = first.records.size();
                long bytes = first.weight;
                // Whole requests only, and the last one may take the transaction past the limits: a request is
                // never split, and the limits only bound how long requests keep joining.
                while (recordCount < groupCommit.maxRecords() && bytes < groupCommit.maxBytes()) {
                    Pending next = next(deadline);
                    if (next == null) {
                        break;
                    }
                    if (!admissible(next)) {
                        continue;
                    }
                    group.add(next);
                    send(next);
                    recordCount += next.records.size();
                    bytes += next.weight;
                }
                commit(producer);
                finish(group, null, true);
            } catch (ProducerFencedException e) {
                // Answered before the replacement is made: initTransactions may take a while.
                finish(group, new DependencyUnavailableException("kafka", "producer fenced", e), false);
                LOG.errorf("transactional id %s was taken over by another producer: a restart of this instance, or"
                        + " another replica with the same cairn.ingest.instance-id",
                        transactionalId(instanceId, index));
                replace();
            } catch (CommitOutcomeUnknownException e) {
                finish(group, e, false);
                // The producer cannot begin another transaction before this one is resolved.
                replace();
            } catch (RuntimeException e) {
                boolean aborted;
                try {
                    producer.abortTransaction();
                    aborted = true;
                } catch (RuntimeException abortFailure) {
                    aborted = false;
                }
                finish(group, new DependencyUnavailableException("kafka", String.valueOf(e.getMessage()), e), false);
                if (!aborted) {
                    replace();
                }
            }
        }

        /** The next waiting request, waiting for one at most until the deadline; none once it has passed. */
        private Pending next(long deadline) {
            long remaining = deadline - System.nanoTime();
            try {
                return remaining <= 0 ? queue.poll() : queue.poll(remaining, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        private void finish(List<Pending> group, Throwable failure, boolean committed) {
            transactions.incrementAndGet();
            requests.addAndGet(group.size());
            records.addAndGet(group.stream().mapToLong(p -> p.records.size()).sum());
            if (committed) {
                committedTransactions.incrementAndGet();
                group.forEach(Pending::complete);
            } else {
                group.forEach(p -> p.fail(failure));
            }
        }

        /**
         * A failed send is not looked at here: commitTransaction fails if any send of the transaction did, and then
         * every request in it fails alike, whichever record it was.
         */
        private void send(Pending p) {
            for (Record r : p.records) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(r.topic(), r.key(), r.value());
                r.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
                producer.send(record);
            }
        }

        private boolean recreate() {
            try {
                producer = newProducer(index);
                return true;
            } catch (RuntimeException e) {
                LOG.error("cannot create a replacement Kafka producer; ingest capacity is reduced", e);
                return false;
            }
        }

        private void replace() {
            try {
                // Not Duration.ZERO: a transaction request already queued (an abort, a commit) still goes out, so the
                // broker does not keep the transaction open, and every read_committed consumer behind it, until
                // transaction.timeout.ms. The replacement has the same transactional id, so its initTransactions
                // also fences this one and resolves whatever it left open.
                producer.close(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debug("closing a broken producer failed", e);
            }
            producer = null;
            recreate();
        }

        void close() {
            try {
                thread.join(Duration.ofSeconds(35).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        }
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

    /** Lets the transactions under way finish, refuses what still waits, then closes the producers. */
    @Override
    public void close() {
        closing = true;
        committers.forEach(Committer::close);
        for (Pending p; (p = queue.poll()) != null;) {
            p.fail(new DependencyUnavailableException("kafka", "ingest is stopping", null));
        }
    }
}
