package dev.cairn.identity.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Identity's own settings, under {@code cairn.identity}. */
@ConfigMapping(prefix = "cairn.identity")
public interface IdentityConfig {

    /**
     * The graph space this instance serves. A space is one independent identity graph (one workspace): its
     * log writes are serialized by one lock and its Redis keys share one hash tag, so one space lives on one
     * Redis primary and different spaces spread over a cluster. Default {@code default}.
     */
    @WithDefault("default")
    String space();

    /**
     * Secret for the keyed hash that names identifiers in the log and in PostgreSQL. Set it from a secret in
     * every real deployment; changing it orphans the existing log. The default is for local runs and tests.
     */
    @WithDefault("cairn-identity-local-hash-key-not-secret")
    String hashKey();

    /**
     * How many log entries one outbox pass applies to Redis and publishes: about one poll of fresh people's links,
     * so a pass keeps up with a poll. Default 2000.
     */
    @WithDefault("2000")
    int drainBatchSize();

    /**
     * How often the outbox is drained even when no link arrived (recovery after a crash between the log and
     * Redis or Kafka; a flushed Redis is rebuilt by the same pass). Default 1s.
     */
    @WithDefault("1s")
    Duration drainInterval();

    /** Flush the space's Redis graph at start and rebuild it from the log. Default false. */
    @WithDefault("false")
    boolean rebuildOnStart();
}
