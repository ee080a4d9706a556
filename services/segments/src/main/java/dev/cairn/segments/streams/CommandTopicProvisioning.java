package dev.cairn.segments.streams;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import io.quarkus.runtime.StartupEvent;

import dev.cairn.platform.CairnConfig;
import dev.cairn.platform.kafka.KafkaClients;
import dev.cairn.segments.SegmentsConfig;

/**
 * Creates segments' command topic (see {@link SegmentsConfig.Topics#profileCommands()}) at start; Quarkus
 * starts the Streams client only once it exists (it is listed in quarkus.kafka-streams.topics).
 */
@ApplicationScoped
public class CommandTopicProvisioning {

    @Inject
    SegmentsConfig config;
    @Inject
    CairnConfig cairn;

    @Inject
    KafkaClients kafka;

    void onStart(@Observes StartupEvent event) throws Exception {
        if (!cairn.kafka().provisionTopics()) {
            return;
        }
        try (Admin admin = kafka.admin(Map.of())) {
            String name = config.topics().profileCommands();
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(name)) {
                return;
            }
            // Commands are consumed within seconds; 7 days covers any outage the service could resume from.
            NewTopic topic = new NewTopic(name, config.topics().profileCommandsPartitions(),
                    cairn.kafka().replicationFactor())
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(TimeUnit.DAYS.toMillis(7))));
            try {
                admin.createTopics(java.util.List.of(topic)).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }
}
