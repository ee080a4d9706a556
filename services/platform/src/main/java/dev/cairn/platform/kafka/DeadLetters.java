package dev.cairn.platform.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Unremovable;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import dev.cairn.platform.kafka.RecordFailures.Kind;
import dev.cairn.platform.kafka.RecordFailures.Verdict;

/**
 * The one way a Cairn consumer survives a record it cannot process: the record is copied unchanged (key, value,
 * headers) to its consumer's dead-letter topic {@code cairn.dead-letters.<consumer>.v1} with why in headers, counted
 * in {@code cairn_dead_letters_total{consumer,reason}}, logged, and the consumer carries on with the next record.
 * <p>
 * Only a record that cannot succeed goes there. {@link #process} retries a transient failure (a dependency away)
 * for as long as it lasts, so an outage stalls the partition instead of emptying it into the dead-letter topic;
 * a failure of no known kind gets a few attempts ({@link DeadLetterConfig#unknownFailureAttempts()}) first.
 * <p>
 * A dead letter is written at least once: if the consumer dies after writing it but before committing the
 * offset, the record is processed again and may be dead-lettered twice. Re-drive by consuming the dead-letter
 * topic and producing each value back to {@link #SOURCE_TOPIC} once the cause is fixed; consumers are idempotent.
 */
// Unremovable: Kafka Streams' handlers (StreamsDeadLetterHandler) look it up, so no injection point may be all
// that keeps it.
@Unremovable
@ApplicationScoped
public class DeadLetters {

    /** Header: the {@link DeadLetterReason} code. */
    public static final String REASON = "cairn.dead-letter.reason";
    /** Header: the failure's message (not stable; for people). */
    public static final String DETAIL = "cairn.dead-letter.detail";
    /** Header: the failure's exception class. */
    public static final String EXCEPTION = "cairn.dead-letter.exception";
    /** Header: the consumer that gave up on the record, as in the topic name and the metric. */
    public static final String CONSUMER = "cairn.dead-letter.consumer";
    /** Headers: where the record was consumed from. */
    public static final String SOURCE_TOPIC = "cairn.dead-letter.topic";
    public static final String SOURCE_PARTITION = "cairn.dead-letter.partition";
    public static final String SOURCE_OFFSET = "cairn.dead-letter.offset";
    /** Header: when it was dead-lettered (ISO-8601). */
    public static final String FAILED_AT = "cairn.dead-letter.failed-at";

    private static final String HEADER_PREFIX = "cairn.dead-letter.";
    private static final int MAX_DETAIL = 1000;
    private static final Duration STREAMS_SEND_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    /** A record as consumed: what a dead letter copies. */
    public record Letter(String topic, int partition, long offset, byte[] key, byte[] value, Headers headers) {

        public static Letter of(ConsumerRecord<byte[], byte[]> record) {
            return new Letter(record.topic(), record.partition(), record.offset(), record.key(), record.value(),
                    record.headers());
        }
    }

    private final KafkaClients clients;
    private final MeterRegistry registry;
    private final DeadLetterConfig config;
    private KafkaProducer<byte[], byte[]> producer;

    @Inject
    public DeadLetters(KafkaClients clients, MeterRegistry registry, DeadLetterConfig config) {
        this.clients = clients;
        this.registry = registry;
        this.config = config;
    }

    /** The dead-letter topic of a consumer (the catalogue lists one per consumer). */
    public static String topic(String consumer) {
        return "cairn.dead-letters." + consumer + ".v1";
    }

    /**
     * Runs {@code work} for one record until it succeeds (its result) or is dead-lettered (empty). Transient
     * failures are retried with backoff without limit; the returned Uni fails only if it is cancelled.
     */
    public <T> Uni<Optional<T>> process(String consumer, Letter letter, Supplier<Uni<? extends T>> work) {
        AtomicInteger unknown = new AtomicInteger();
        return onCallersContext(caller -> Uni.createFrom().<T>deferred(work).runSubscriptionOn(caller)
                .onFailure(failure -> {
                    Verdict verdict = RecordFailures.classify(failure);
                    if (verdict.kind() == Kind.TRANSIENT) {
                        LOG.warnf("%s: %s-%d@%d failed for now, retrying: %s", consumer, letter.topic(),
                                letter.partition(), letter.offset(), failure.toString());
                        return true;
                    }
                    return verdict.kind() == Kind.UNKNOWN
                            && unknown.incrementAndGet() < config.unknownFailureAttempts();
                }).retry().withBackOff(config.retryInitialBackoff(), config.retryMaxBackoff()).indefinitely()
                .map(Optional::of)
                .onFailure().recoverWithUni(failure -> deadLetter(consumer, letter,
                        RecordFailures.classify(failure).reason(), failure).replaceWith(Optional.<T>empty())));
    }

    /**
     * Runs {@code work} until it succeeds or fails with anything but a transient failure, which it returns: for
     * a consumer that handles several records at once and must decide itself what a permanent failure means.
     */
    public <T> Uni<T> retryWhileTransient(String consumer, String what, Supplier<Uni<? extends T>> work) {
        return onCallersContext(caller -> Uni.createFrom().<T>deferred(work).runSubscriptionOn(caller)
                .onFailure(RecordFailures::isTransient)
                .invoke(failure -> LOG.warnf("%s: %s failed for now, retrying: %s", consumer, what,
                        failure.toString()))
                .onFailure(RecordFailures::isTransient).retry()
                .withBackOff(config.retryInitialBackoff(), config.retryMaxBackoff()).indefinitely());
    }

    /**
     * Runs {@code work} over a poll's records as one unit (one transaction), in order. A failure a retry can cure
     * is retried with backoff, never skipped: skipping would lose a record, and moving past it would apply later
     * records of the same key first. A poll refused for good is run again in halves, each its own unit and in
     * order, down to the one record at fault, which {@link #process} dead-letters: the good records around it are
     * applied once each, and a poll costs one unit however large it is while nothing is wrong. Returns the results
     * of the units in record order (a dead-lettered record contributes none).
     */
    public <R, T> Uni<List<T>> processInHalves(String consumer, String what, List<R> records,
            Function<R, Letter> letterOf, Function<List<R>, Uni<List<T>>> work) {
        if (records.size() == 1) {
            R one = records.get(0);
            return process(consumer, letterOf.apply(one), () -> work.apply(List.of(one)))
                    .map(r -> r.orElse(List.of()));
        }
        Letter first = letterOf.apply(records.get(0));
        return retryWhileTransient(consumer, "a poll of " + records.size() + " " + what + " from " + first.topic()
                + "-" + first.partition() + "@" + first.offset(), () -> work.apply(records))
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("%s: a poll of %d %s failed (%s); running it in halves to find the records at fault",
                            consumer, records.size(), what, failure.getMessage());
                    int half = records.size() / 2;
                    return processInHalves(consumer, what, records.subList(0, half), letterOf, work)
                            .chain(head -> processInHalves(consumer, what, records.subList(half, records.size()),
                                    letterOf, work).map(tail -> {
                                        List<T> all = new ArrayList<>(head.size() + tail.size());
                                        all.addAll(head);
                                        all.addAll(tail);
                                        return all;
                                    }));
                });
    }

    /**
     * Keeps {@code body} on the Vert.x context of its subscriber: a retry's backoff timer and Kafka's send
     * callback run on other threads, and what the consumer does next (Hibernate Reactive, the Redis client) works
     * only on the context it was called on. Every re-subscription goes through {@code caller}, and so does the
     * result.
     */
    private static <T> Uni<T> onCallersContext(Function<Executor, Uni<T>> body) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            Executor caller = context == null ? Runnable::run : task -> context.runOnContext(ignored -> task.run());
            return body.apply(caller).emitOn(caller);
        });
    }

    /** Sets the record aside; completes once the dead letter is stored, retrying while Kafka does not take it. */
    public Uni<Void> deadLetter(String consumer, Letter letter, DeadLetterReason reason, Throwable cause) {
        ProducerRecord<byte[], byte[]> record = record(consumer, letter, reason, cause);
        return onCallersContext(
                caller -> Uni.createFrom().<Void>emitter(done -> producer().send(record, (metadata, failure) -> {
                    if (failure == null) {
                        done.complete(null);
                    } else {
                        done.fail(failure);
                    }
                }))
                        // send() may block on metadata: never on the caller's event loop.
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .onFailure().invoke(failure -> LOG.warnf("%s: cannot store the dead letter of %s-%d@%d yet: %s",
                                consumer, letter.topic(), letter.partition(), letter.offset(), failure.toString()))
                        // The record is never skipped unrecorded: until the dead letter is stored, the partition waits.
                        .onFailure().retry().withBackOff(config.retryInitialBackoff(), config.retryMaxBackoff())
                        .indefinitely()
                        .invoke(() -> recorded(consumer, letter, reason, cause)));
    }

    /**
     * The same, blocking the caller: for Kafka Streams' exception handlers, which run on the stream thread and
     * must answer before it goes on. Throws if Kafka did not take the dead letter in time, so that the handler
     * fails the task and the record is tried again, rather than skipped unrecorded.
     */
    public void deadLetterNow(String consumer, Letter letter, DeadLetterReason reason, Throwable cause) {
        try {
            producer().send(record(consumer, letter, reason, cause)).get(STREAMS_SEND_TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while storing a dead letter", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot store the dead letter of " + letter.topic() + "-"
                    + letter.partition() + "@" + letter.offset() + " on " + topic(consumer), e);
        }
        recorded(consumer, letter, reason, cause);
    }

    private void recorded(String consumer, Letter letter, DeadLetterReason reason, Throwable cause) {
        registry.counter("cairn.dead_letters", "consumer", consumer, "reason", reason.code()).increment();
        LOG.errorf("%s: dead-lettered %s-%d@%d to %s (%s): %s", consumer, letter.topic(), letter.partition(),
                letter.offset(), topic(consumer), reason.code(), detail(cause));
    }

    private static ProducerRecord<byte[], byte[]> record(String consumer, Letter letter, DeadLetterReason reason,
            Throwable cause) {
        Headers headers = new RecordHeaders();
        if (letter.headers() != null) {
            for (Header h : letter.headers()) {
                // A re-driven record that fails again carries this failure's headers, not both.
                if (!h.key().startsWith(HEADER_PREFIX)) {
                    headers.add(h);
                }
            }
        }
        Map.of(REASON, reason.code(), DETAIL, detail(cause),
                EXCEPTION, cause == null ? "" : cause.getClass().getName(), CONSUMER, consumer,
                SOURCE_TOPIC, String.valueOf(letter.topic()), SOURCE_PARTITION, Integer.toString(letter.partition()),
                SOURCE_OFFSET, Long.toString(letter.offset()), FAILED_AT, Instant.now().toString())
                .forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        // Keyed as the original, so a topic-wide re-drive keeps each key's order.
        return new ProducerRecord<>(topic(consumer), null, letter.key(), letter.value(), headers);
    }

    private static String detail(Throwable cause) {
        if (cause == null) {
            return "";
        }
        String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != cause && root.getMessage() != null && !message.contains(root.getMessage())) {
            message = message + " (caused by " + root.getMessage() + ")";
        }
        return message.length() <= MAX_DETAIL ? message : message.substring(0, MAX_DETAIL) + "…";
    }

    private synchronized KafkaProducer<byte[], byte[]> producer() {
        // Opened on first use: a service that never dead-letters holds no extra connection.
        if (producer == null) {
            producer = clients.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000,
                    ProducerConfig.CLIENT_ID_CONFIG, "cairn-dead-letters-" + java.util.UUID.randomUUID()),
                    new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
