package dev.cairn.client;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.grpc.Status;

/**
 * How a call that the server could not serve is tried again, as gRPC's own retry policy (gRFC A6) carries it out
 * inside the channel: up to {@code maxAttempts} attempts in all, the n-th retry after a random delay between zero and
 * {@code min(initialBackoff * multiplier^(n-1), maxBackoff)}, all within the call's deadline.
 * <p>
 * Only {@link Status.Code#UNAVAILABLE} is retried on its own: the server did not process the request (it is starting,
 * draining, or a dependency is down). {@code RESOURCE_EXHAUSTED} is retried only when the server says when: Cairn's
 * servers answer backpressure with {@code google.rpc.RetryInfo} and the same delay in gRPC's
 * {@code grpc-retry-pushback-ms} trailer, which the channel waits for exactly, instead of its own backoff. Without
 * it (a quota that will not recover in time), the caller gets the error at once. Nothing else is retried: an
 * INVALID_ARGUMENT or PERMISSION_DENIED would fail the same way again.
 *
 * @param maxAttempts attempts in all, the first included (2 to 5: grpc-java caps a policy at 5)
 * @param initialBackoff the upper bound of the first retry's random delay
 * @param maxBackoff the largest upper bound any retry's delay may have
 * @param multiplier how much the bound grows after each retry
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {

    /**
     * Four attempts, delays bounded by 100 ms, 200 ms, 400 ms: about a third of a second of retrying on average, which
     * rides out a restarting instance behind a load balancer without outliving a request-time deadline.
     */
    public static final RetryPolicy DEFAULT = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2), 2.0);

    /** The status codes retried with backoff; see the class comment for RESOURCE_EXHAUSTED. */
    static final List<Status.Code> RETRYABLE = List.of(Status.Code.UNAVAILABLE);

    public RetryPolicy {
        if (maxAttempts < 2 || maxAttempts > 5) {
            throw new IllegalArgumentException("maxAttempts must be 2 to 5 (grpc-java's cap), was " + maxAttempts);
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoffs must be positive and maxBackoff >= initialBackoff");
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("multiplier must be at least 1, was " + multiplier);
        }
    }

    /** The policy as a service config's {@code retryPolicy} (numbers as Double, durations as "1.5s": gRPC's JSON). */
    Map<String, Object> asServiceConfig() {
        return Map.of("maxAttempts", (double) maxAttempts, "initialBackoff", seconds(initialBackoff), "maxBackoff",
                seconds(maxBackoff), "backoffMultiplier", multiplier, "retryableStatusCodes",
                RETRYABLE.stream().map(Status.Code::name).toList());
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.9fs", d.toNanos() / 1e9);
    }
}
