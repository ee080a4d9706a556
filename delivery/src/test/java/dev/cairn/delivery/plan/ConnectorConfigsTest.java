package dev.cairn.delivery.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What the shipped plan renders: upserts by the event's identity, secrets as references, dead letters. */
class ConnectorConfigsTest {

    private final DeliveryPlan plan = DeliveryPlan.load(DeliveryPlanTest.CONTRACTS);
    private final Map<String, String> governed = new ConnectorConfigs(Path.of("/etc/cairn/connections"), (short) 3)
            .render(plan.deliveries().get(0), plan);

    @Test
    void the_sink_upserts_rows_by_source_and_message_id_into_the_destinations_table() {
        assertEquals("io.debezium.connector.jdbc.JdbcSinkConnector", governed.get("connector.class"));
        assertEquals("cairn.events.governed.v1", governed.get("topics"));
        assertEquals("upsert", governed.get("insert.mode"));
        assertEquals("record_value", governed.get("primary.key.mode"));
        assertEquals("source_id,message_id", governed.get("primary.key.fields"));
        assertEquals("governed_events", governed.get("collection.name.format"));
        assertEquals("500", governed.get("batch.size"));
        assertEquals("500", governed.get("consumer.override.max.poll.records"));
    }

    @Test
    void connection_settings_are_config_provider_references_never_values() {
        assertEquals("${dir:/etc/cairn/connections/warehouse:url}", governed.get("connection.url"));
        assertEquals("${dir:/etc/cairn/connections/warehouse:username}", governed.get("connection.username"));
        assertEquals("${dir:/etc/cairn/connections/warehouse:password}", governed.get("connection.password"));
    }

    @Test
    void unreadable_records_go_to_the_destinations_dead_letter_topic_with_the_error() {
        assertEquals("all", governed.get("errors.tolerance"));
        assertEquals("cairn.dead-letters.delivery-governed.v1", governed.get("errors.deadletterqueue.topic.name"));
        assertEquals("3", governed.get("errors.deadletterqueue.topic.replication.factor"));
        assertEquals("true", governed.get("errors.deadletterqueue.context.headers.enable"));
    }

    @Test
    void stop_on_unreadable_fails_the_task_instead_of_dead_lettering() {
        Delivery d = plan.deliveries().get(0);
        Delivery stopping = new Delivery(d.destination(), d.topic(), d.connector(), d.target(), d.maxRecords(),
                d.retryAttempts(), d.retryBackoff(), Delivery.OnUnreadable.STOP, d.deadLetterTopic());
        Map<String, String> config = new ConnectorConfigs(Path.of("/c"), (short) 1).render(stopping, plan);
        assertEquals("none", config.get("errors.tolerance"));
        assertFalse(config.containsKey("errors.deadletterqueue.topic.name"));
    }

    @Test
    void the_converter_gets_the_tracking_plans_typed_columns() {
        assertEquals("dev.cairn.delivery.connect.EventStructConverter", governed.get("value.converter"));
        assertTrue(governed.get("value.converter.columns").contains("total:number"),
                governed.get("value.converter.columns"));
    }
}
