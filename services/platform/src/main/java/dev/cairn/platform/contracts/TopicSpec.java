package dev.cairn.platform.contracts;

import java.time.Duration;
import java.util.Optional;

/**
 * One entry of the topic catalogue (contracts/topics.yaml).
 *
 * @param retention empty means "keep forever" (compacted state topics)
 */
public record TopicSpec(String name, String owner, String payload, String key, int partitions,
        Optional<Duration> retention, String cleanup, boolean restricted, String description) {

    public boolean compacted() {
        return cleanup.contains("compact");
    }
}
