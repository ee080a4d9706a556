package dev.cairn.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What the Kafka clients and Quarkus' Kafka Streams extension accept, read from their own jars (the kafka-clients
 * the platform brings, the extension's configuration model), so that a misspelt variable in the chart fails here
 * instead of being ignored by a client in production.
 */
final class KafkaSettings {

    /** Every property the Kafka producer, consumer or admin client defines. */
    static final Set<String> CLIENT_PROPERTIES = clientProperties();
    /** Every {@code quarkus.kafka-streams.*} property of the extension (its build-time and runtime roots). */
    static final Set<String> STREAMS_PROPERTIES = streamsProperties();

    private KafkaSettings() {
    }

    /**
     * The client property a variable sets, by Quarkus' rule for the {@code default-kafka-broker} map that every
     * Cairn client and channel starts from (KafkaRuntimeConfigProducer: a name starting with "kafka", lower-cased,
     * the prefix dropped, '_' read as '.'): {@code KAFKA_SASL_JAAS_CONFIG} is {@code sasl.jaas.config}. Empty when
     * the variable is not a property of the Kafka clients.
     */
    static Optional<String> clientProperty(String env) {
        if (!env.startsWith("KAFKA_")) {
            return Optional.empty();
        }
        String property = env.substring("KAFKA_".length()).toLowerCase().replace('_', '.');
        return CLIENT_PROPERTIES.contains(property) ? Optional.of(property) : Optional.empty();
    }

    /** Environment names of the extension's properties (SmallRye's mapping, as {@link ServiceConfig#envName}). */
    static Set<String> streamsEnvNames() {
        Set<String> names = new TreeSet<>();
        STREAMS_PROPERTIES.forEach(p -> names.add(ServiceConfig.envName(p)));
        return names;
    }

    private static Set<String> clientProperties() {
        Set<String> all = new TreeSet<>(ProducerConfig.configNames());
        all.addAll(ConsumerConfig.configNames());
        all.addAll(AdminClientConfig.configNames());
        return Collections.unmodifiableSet(all);
    }

    private static Set<String> streamsProperties() {
        Set<String> properties = new TreeSet<>();
        ObjectMapper json = new ObjectMapper();
        try {
            for (URL model : Collections.list(KafkaSettings.class.getClassLoader()
                    .getResources("META-INF/quarkus-config-doc/quarkus-config-model.json"))) {
                try (InputStream in = model.openStream()) {
                    collect(json.readTree(in), properties);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        properties.removeIf(p -> !p.startsWith("quarkus.kafka-streams."));
        if (properties.isEmpty()) {
            throw new IllegalStateException("no quarkus.kafka-streams.* property found in the configuration models "
                    + "on the test classpath (is io.quarkus:quarkus-kafka-streams a test dependency?)");
        }
        return Collections.unmodifiableSet(properties);
    }

    /** The model nests sections and groups; each property has {@code "path": {"property": "<name>"}}. */
    private static void collect(JsonNode node, Set<String> into) {
        if (node.isObject()) {
            JsonNode property = node.path("path").path("property");
            if (property.isTextual()) {
                into.add(property.asText());
            }
        }
        node.forEach(child -> collect(child, into));
    }
}
