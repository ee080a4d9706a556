package dev.cairn.segments.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

import dev.cairn.platform.grpc.DependencyUnavailableException;
import dev.cairn.platform.kafka.KafkaClients;
import dev.cairn.segments.SegmentsConfig;
import dev.cairn.segments.store.MembershipStore;

/**
 * The loaded markers Redis must hold for readers to answer: one per Streams task that writes to Redis, i.e. per
 * partition of the identifier stage's source (the {@code by-identifier} repartition topic) and of the profile stage's
 * (the command topic). Partition counts come from Kafka once (a topic's partitions do not change under a running
 * application: Streams would refuse it), so the check on the read path is one EXISTS beside each read.
 */
@ApplicationScoped
public class ServingCopyTasks {

    @Inject
    SegmentsConfig config;
    @Inject
    KafkaClients kafka;
    @ConfigProperty(name = "quarkus.kafka-streams.application-id")
    String applicationId;

    private volatile List<String> loadedKeys;

    /**
     * Every task's loaded marker key; fails with {@link DependencyUnavailableException} until both topics exist (the
     * repartition topic is created by Kafka Streams at start), since before that no task has written anything.
     */
    public Uni<List<String>> loadedKeys() {
        List<String> known = loadedKeys;
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        // The Admin client blocks: off the event loop, and only until the first answer.
        return Uni.createFrom().item(this::describe).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .invoke(keys -> loadedKeys = keys)
                .onFailure().transform(e -> new DependencyUnavailableException("kafka",
                        "the Kafka Streams tasks that write segments' Redis data are not known yet: " + e.getMessage(),
                        e));
    }

    private List<String> describe() {
        String byIdentifier = applicationId + "-" + SegmentsTopology.BY_IDENTIFIER + "-repartition";
        String commands = config.topics().profileCommands();
        try (Admin admin = kafka.admin(Map.of())) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(byIdentifier, commands)).allTopicNames()
                    .get(10, TimeUnit.SECONDS);
            List<String> keys = new ArrayList<>();
            for (int p = 0; p < topics.get(byIdentifier).partitions().size(); p++) {
                keys.add(MembershipStore.loadedKey(IdentifierRouter.STORE, p));
            }
            for (int p = 0; p < topics.get(commands).partitions().size(); p++) {
                keys.add(MembershipStore.loadedKey(ProfileProcessor.STORE, p));
            }
            return List.copyOf(keys);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
