package dev.cairn.segments.streams;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import dev.cairn.segments.SegmentsConfig;
import dev.cairn.segments.store.MembershipStore;

/**
 * Keeps one Streams task's part of the serving copy in Redis whole: when the task's loaded marker is gone (Redis came
 * back empty, failed over to an empty replica, was flushed, or was written by a version without markers), it writes
 * everything again from the task's own store, then sets the marker. Readers refuse while any marker is missing.
 *
 * <p>
 * <b>Why the rewrite cannot put an older value over a live write.</b> The pass runs as punctuations of the task that
 * owns the store, on its stream thread, and each entry is read from the store right before it is written to Redis.
 * Kafka Streams never runs a task's punctuation and its record processing at the same time, and every Redis write of
 * a profile (memberships, member index, traits) or of an identifier mapping comes from the task that owns its key; so
 * between reading an entry and writing it no live write for that key can happen, and a live write after it starts
 * from the same or a newer store value. A pass spread over many slices (the thread processes records between them)
 * stays right for the same reason: an entry not rewritten yet is read when its turn comes, with every live change
 * until then in it. Reading the stores through interactive queries from another thread would need versioned writes
 * everywhere (traits and the member index are not); on the stream thread, ordering is given. Membership writes go
 * through the same versioned script anyway, so even a fenced-off zombie's older write cannot win.
 *
 * <p>
 * A flush in the middle of a pass removes the pass's token with everything else; the pass's end then finds it gone,
 * does not set the marker, and the next check starts over (see {@link MembershipStore#finishRewrite}).
 */
final class ServingCopyRewrite<V> {

    private static final Logger LOG = Logger.getLogger(ServingCopyRewrite.class);
    /** How soon the thread comes back to a pass after a slice (it polls and processes records in between). */
    private static final Duration BETWEEN_SLICES = Duration.ofMillis(10);

    private final String stage;
    private final MembershipStore redis;
    private final SegmentsConfig.ServingCopy config;
    private final Consumer<Map<String, V>> rewriteEntries;
    private ProcessorContext<?, ?> context;
    private KeyValueStore<String, V> store;
    private int partition;
    /** The pass in progress (null: none), the last key it rewrote (null: none yet), and its progress. */
    private String token;
    private String after;
    private Cancellable slices;
    private long startedAt;
    private long rewritten;

    /**
     * @param stage the name of the store the task rewrites from (names the task's marker with its partition)
     * @param rewriteEntries writes stored entries (in store order, at most {@code rewrite-batch}) to Redis in one
     *        pipeline, idempotently
     */
    ServingCopyRewrite(String stage, MembershipStore redis, SegmentsConfig.ServingCopy config,
            Consumer<Map<String, V>> rewriteEntries) {
        this.stage = stage;
        this.redis = redis;
        this.config = config;
        this.rewriteEntries = rewriteEntries;
    }

    /** From the processor's init: the check runs on the task's stream thread, first right after the task starts. */
    void init(ProcessorContext<?, ?> context, KeyValueStore<String, V> store) {
        this.context = context;
        this.store = store;
        this.partition = context.taskId().partition();
        this.token = null;
        this.slices = null;
        context.schedule(config.checkInterval(), PunctuationType.WALL_CLOCK_TIME, now -> check());
    }

    private void check() {
        if (token != null) {
            return;
        }
        try {
            if (redis.loaded(stage, partition)) {
                return;
            }
        } catch (RuntimeException e) {
            LOG.debugf(e, "%s %d: Redis did not answer the loaded check; next check in %s", stage, partition,
                    config.checkInterval());
            return;
        }
        token = UUID.randomUUID().toString();
        after = null;
        rewritten = 0;
        startedAt = System.currentTimeMillis();
        redis.beginRewrite(stage, partition, token);
        LOG.infof("%s %d: Redis does not hold this task's part of the serving copy; rewriting it from the store",
                stage, partition);
        slices = context.schedule(BETWEEN_SLICES, PunctuationType.WALL_CLOCK_TIME, now -> slice());
    }

    private void slice() {
        long deadline = System.nanoTime() + config.rewriteSlice().toNanos();
        // Resumes after the last key rewritten: an iterator must not outlive a punctuation (the task may close).
        try (KeyValueIterator<String, V> it = after == null ? store.all() : store.range(after, null)) {
            while (it.hasNext()) {
                Map<String, V> batch = new LinkedHashMap<>();
                while (it.hasNext() && batch.size() < config.rewriteBatch()) {
                    KeyValue<String, V> entry = it.next();
                    if (!entry.key.equals(after)) {
                        batch.put(entry.key, entry.value);
                    }
                }
                if (batch.isEmpty()) {
                    break;
                }
                // Read from the store just now, written before the thread processes anything else.
                rewriteEntries.accept(batch);
                after = batch.keySet().stream().reduce((a, b) -> b).orElseThrow();
                rewritten += batch.size();
                if (it.hasNext() && System.nanoTime() > deadline) {
                    return;
                }
            }
        }
        slices.cancel();
        boolean set = redis.finishRewrite(stage, partition, token);
        token = null;
        long took = System.currentTimeMillis() - startedAt;
        if (set) {
            LOG.infof("%s %d: serving copy rewritten from the store (%d entries in %d ms)", stage, partition,
                    rewritten, took);
        } else {
            LOG.warnf("%s %d: Redis was flushed during the rewrite (%d entries in %d ms); starting over", stage,
                    partition, rewritten, took);
        }
    }
}
