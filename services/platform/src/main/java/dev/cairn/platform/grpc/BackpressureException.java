package dev.cairn.platform.grpc;

import java.time.Duration;

/**
 * Cairn is shedding load (rate limit, full buffers): the caller should retry after the given delay.
 * Maps to RESOURCE_EXHAUSTED with RetryInfo, and to 429/503 with Retry-After over HTTP.
 */
public class BackpressureException extends RuntimeException {

    private final Duration retryAfter;

    public BackpressureException(String reason, Duration retryAfter) {
        super(reason);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
