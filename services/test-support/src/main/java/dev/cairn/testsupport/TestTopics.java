package dev.cairn.testsupport;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Topics a test creates itself on the test broker, outside the catalogue: the broker does not create topics on
 * first use, so a test can decide when a topic starts to exist. Their names start with {@value #PREFIX}, which every
 * service's principal may use on the test broker (and nowhere else: the catalogue's names start with {@code cairn.}).
 */
public final class TestTopics {

    public static final String PREFIX = "test.";

    private TestTopics() {
    }

    /** Creates a compacted topic with replication factor 1; an existing one is left as it is. */
    public static void createCompacted(String name, int partitions) {
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a test topic's name starts with " + PREFIX + ": " + name);
        }
        try (Admin admin = Admin.create(RealInfra.kafka().operatorConfig(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new AssertionError("cannot create topic " + name, e.getCause());
            }
        } catch (Exception e) {
            throw new AssertionError("cannot create topic " + name, e);
        }
    }
}
