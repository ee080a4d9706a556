package dev.cairn.platform.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import dev.cairn.platform.contracts.TopicCatalog;
import dev.cairn.platform.contracts.TopicSpec;

/**
 * Creates the catalogue's topics that do not exist yet. Idempotent, so every service (and the test
 * support) may run it at start; it never alters an existing topic, since a partition change re-keys data.
 */
public final class TopicProvisioner {

    private TopicProvisioner() {
    }

    /** @return the names of the topics it created */
    public static List<String> ensure(Admin admin, TopicCatalog catalog, short replicationFactor)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (TopicSpec spec : catalog.topics()) {
            if (!existing.contains(spec.name())) {
                missing.add(newTopic(spec, replicationFactor));
            }
        }
        List<String> created = new ArrayList<>();
        if (missing.isEmpty()) {
            return created;
        }
        var result = admin.createTopics(missing);
        for (var entry : result.values().entrySet()) {
            try {
                entry.getValue().get(30, TimeUnit.SECONDS);
                created.add(entry.getKey());
            } catch (ExecutionException e) {
                // Another instance created it between our listing and our request: that is success.
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        return created;
    }

    static NewTopic newTopic(TopicSpec spec, short replicationFactor) {
        Map<String, String> configs = new HashMap<>();
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, spec.cleanup());
        configs.put(TopicConfig.RETENTION_MS_CONFIG,
                spec.retention().map(d -> Long.toString(d.toMillis())).orElse("-1"));
        if (replicationFactor > 1) {
            // acks=all is only durable if a write needs more than the leader.
            configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(Math.min(2, replicationFactor)));
        }
        return new NewTopic(spec.name(), spec.partitions(), replicationFactor).configs(configs);
    }
}
