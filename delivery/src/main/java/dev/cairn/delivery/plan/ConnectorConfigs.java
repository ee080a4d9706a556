package dev.cairn.delivery.plan;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.cairn.delivery.connect.EventRow;
import dev.cairn.delivery.connect.EventStructConverter;
import dev.cairn.delivery.connect.PropertyColumn;

/**
 * Renders a {@link Delivery} as the configuration of its Kafka Connect sink connector. Secrets are references, never
 * values: the connection's {@code url}, {@code username} and {@code password} are {@code ${dir:...}} placeholders that
 * the worker's DirectoryConfigProvider resolves from files when the task starts (a Kubernetes Secret mounted as a
 * directory; {@code .cairn/secrets/connections/<connection>/} locally), so neither the REST API nor Connect's config
 * topic ever holds them.
 *
 * @param connectionsDir where the Connect worker finds {@code <connection>/url|username|password}
 * @param replicationFactor of the dead-letter topics Connect creates (1 locally, 3 in a cluster)
 */
public record ConnectorConfigs(Path connectionsDir, short replicationFactor) {

    /** The config provider alias the worker must define (DirectoryConfigProvider). */
    public static final String PROVIDER = "dir";

    public Map<String, String> render(Delivery delivery, DeliveryPlan plan) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("name", delivery.connectorName());
        c.put("connector.class", delivery.connector().connectorClass());
        c.put("topics", delivery.topic());
        // One task per topic partition at most; one suffices for the local stack and is raised by the cluster's size.
        c.put("tasks.max", "1");
        c.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        c.put("value.converter", EventStructConverter.class.getName());
        c.put("value.converter." + EventStructConverter.COLUMNS_CONFIG, PropertyColumn.format(plan.columns()));
        switch (delivery.connector()) {
            case JDBC -> jdbc(delivery, c);
        }
        // Batching: the sink writes what one poll returns, so a poll holds at most one batch.
        c.put("consumer.override.max.poll.records", Integer.toString(delivery.maxRecords()));
        // Unreadable records (the converter's DataException): dead-lettered with the error in headers, or stop.
        boolean deadLetter = delivery.onUnreadable() == Delivery.OnUnreadable.DEAD_LETTER;
        c.put("errors.tolerance", deadLetter ? "all" : "none");
        c.put("errors.log.enable", "true");
        if (deadLetter) {
            c.put("errors.deadletterqueue.topic.name", delivery.deadLetterTopic());
            c.put("errors.deadletterqueue.topic.replication.factor", Short.toString(replicationFactor));
            c.put("errors.deadletterqueue.context.headers.enable", "true");
        }
        // Retriable failures inside Connect (converter, producer to the dead-letter topic) get the same patience.
        long patience = delivery.retryBackoff().toMillis() * Math.max(1, delivery.retryAttempts());
        c.put("errors.retry.timeout", Long.toString(patience));
        c.put("errors.retry.delay.max.ms", Long.toString(delivery.retryBackoff().toMillis()));
        return c;
    }

    private void jdbc(Delivery delivery, Map<String, String> c) {
        String connection = connectionsDir.resolve(delivery.target().connection()).toString();
        c.put("connection.url", secret(connection, "url"));
        c.put("connection.username", secret(connection, "username"));
        c.put("connection.password", secret(connection, "password"));
        // Upsert on the event's identity: a redelivered record (a restarted task, a replay) overwrites its own row.
        c.put("insert.mode", "upsert");
        c.put("primary.key.mode", "record_value");
        c.put("primary.key.fields", String.join(",", EventRow.KEY_COLUMNS));
        c.put("delete.enabled", "false");
        // The sink creates the table from the converter's schema and adds columns as the tracking plan grows.
        c.put("schema.evolution", "basic");
        c.put("collection.name.format", delivery.target().table());
        c.put("use.time.zone", "UTC");
        c.put("batch.size", Integer.toString(delivery.maxRecords()));
        // Writes to the database: the sink's own retries, before the task fails and Connect reports it.
        c.put("flush.max.retries", Integer.toString(delivery.retryAttempts()));
        c.put("flush.retry.delay.ms", Long.toString(delivery.retryBackoff().toMillis()));
    }

    private static String secret(String file, String key) {
        return "${" + PROVIDER + ":" + file + ":" + key + "}";
    }
}
