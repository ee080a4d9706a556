package dev.cairn.platform.kafka;

import java.time.Duration;

import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/**
 * What a Kafka Streams application does when a stream thread dies: it replaces the thread, after a backoff, instead
 * of Kafka Streams' default of shutting the whole client down for good. A thread dies when
 * {@link StreamsDeadLetterHandler} fails a task for a failure a retry can cure (Redis away) or one of no known kind
 * not yet tried enough, or when a dead letter cannot be stored: under exactly-once the task's open transaction is
 * aborted, and the new thread processes its records again from the last commit. Records that can never be
 * processed are dead-lettered and never come here, so replacing the thread does not loop on them.
 * <p>
 * The backoff (doubling from {@link DeadLetterConfig#retryInitialBackoff()} to
 * {@link DeadLetterConfig#retryMaxBackoff()}, back to the start after a quiet minute) runs on the dying thread, so
 * an outage costs a retry every few seconds rather than a rebalance in a tight loop.
 */
public final class StreamsThreadReplacement implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = Logger.getLogger(StreamsThreadReplacement.class);
    private static final Duration QUIET = Duration.ofMinutes(1);

    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private long lastFailureMillis;
    private Duration backoff = Duration.ZERO;

    public StreamsThreadReplacement(Duration initialBackoff, Duration maxBackoff) {
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
    }

    public StreamsThreadReplacement(DeadLetterConfig config) {
        this(config.retryInitialBackoff(), config.retryMaxBackoff());
    }

    @Override
    public StreamThreadExceptionResponse handle(Throwable failure) {
        Duration wait = nextBackoff(System.currentTimeMillis());
        LOG.errorf(failure, "a stream thread failed; replacing it in %d ms (its records are processed again from the "
                + "last commit)", wait.toMillis());
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** The wait before the next replacement, for a failure at {@code nowMillis}. */
    synchronized Duration nextBackoff(long nowMillis) {
        if (backoff.isZero() || nowMillis - lastFailureMillis > QUIET.toMillis()) {
            backoff = initialBackoff;
        } else {
            Duration doubled = backoff.multipliedBy(2);
            backoff = doubled.compareTo(maxBackoff) > 0 ? maxBackoff : doubled;
        }
        lastFailureMillis = nowMillis;
        return backoff;
    }
}
