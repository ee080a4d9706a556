package dev.cairn.platform.contracts;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One entry of the topic catalogue (contracts/topics.yaml).
 *
 * @param retention empty means "keep forever" (compacted state topics)
 * @param readers the services besides the owner that consume it: with the owner, the only principals Kafka lets read
 *        it ({@link dev.cairn.platform.kafka.KafkaAccess})
 */
public record TopicSpec(String name, String owner, String payload, String key, int partitions,
        Optional<Duration> retention, String cleanup, boolean restricted, List<String> readers, String description) {

    public boolean compacted() {
        return cleanup.contains("compact");
    }
}
