package dev.cairn.ingest.service;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

/**
 * Per-source rate limits of contracts/ingest/sources.yaml, per ingest instance (token buckets, Bucket4j):
 * a source over its limit gets backpressure (429 / RESOURCE_EXHAUSTED with a retry delay) instead of
 * starving the others.
 */
public final class RateLimits {

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public boolean tryAcquire(Source source, int events) {
        if (source.rateLimitPerSecond() <= 0) {
            return true;
        }
        Bucket bucket = buckets.computeIfAbsent(source.id(), id -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(source.rateLimitPerSecond())
                        .refillGreedy(source.rateLimitPerSecond(), Duration.ofSeconds(1)).build())
                .build());
        return bucket.tryConsume(Math.min(events, source.rateLimitPerSecond()));
    }
}
