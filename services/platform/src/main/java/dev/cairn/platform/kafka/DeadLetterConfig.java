package dev.cairn.platform.kafka;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How a consumer retries a record before {@link DeadLetters} sets it aside ({@code cairn.dead-letters.*}). */
@ConfigMapping(prefix = "cairn.dead-letters")
public interface DeadLetterConfig {

    /**
     * How often a record failing with an error of no known kind is tried before it is dead-lettered. Above 1 so that
     * a failure that only looked permanent (a dependency answering oddly while it restarts) costs a retry, not a
     * dead letter; small, so that a record that can never be processed holds its partition for seconds only.
     * Known permanent failures (unparsable, invalid, refused by the store) are dead-lettered at once; transient ones
     * (a dependency unreachable) are retried without limit and never dead-lettered.
     */
    @WithDefault("3")
    int unknownFailureAttempts();

    /** First delay between retries; it doubles up to {@link #retryMaxBackoff()}. */
    @WithDefault("200ms")
    Duration retryInitialBackoff();

    /** Longest delay between retries of a record while a dependency is away. */
    @WithDefault("10s")
    Duration retryMaxBackoff();
}
