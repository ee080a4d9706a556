package dev.cairn.delivery.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.cairn.delivery.connect.ColumnType;
import dev.cairn.delivery.connect.PropertyColumn;

/** The shipped delivery plan is valid, and an invalid block fails loading with its path and the reason. */
class DeliveryPlanTest {

    static final Path CONTRACTS = Path.of(System.getProperty("test.cairn.root", "..")).resolve("contracts");

    @TempDir
    Path temp;

    @Test
    void the_shipped_destinations_each_deliver_to_their_own_warehouse_table() {
        DeliveryPlan plan = DeliveryPlan.load(CONTRACTS);

        assertEquals(List.of("governed", "email_marketing", "advertising"),
                plan.deliveries().stream().map(Delivery::destination).toList());
        Delivery governed = plan.deliveries().get(0);
        assertEquals("cairn.events.governed.v1", governed.topic());
        assertEquals(Delivery.Connector.JDBC, governed.connector());
        assertEquals(new Delivery.Target("warehouse", "governed_events"), governed.target());
        assertEquals(500, governed.maxRecords());
        assertEquals(Duration.ofSeconds(1), governed.retryBackoff());
        assertEquals(Delivery.OnUnreadable.DEAD_LETTER, governed.onUnreadable());
        assertEquals("cairn.dead-letters.delivery-governed.v1", governed.deadLetterTopic());
        assertEquals("cairn-delivery-email_marketing", plan.deliveries().get(1).connectorName());
    }

    @Test
    void columns_are_typed_as_the_tracking_plan_types_each_property() {
        Map<String, ColumnType> columns = DeliveryPlan.load(CONTRACTS).columns().stream()
                .collect(Collectors.toMap(PropertyColumn::property, PropertyColumn::type));

        assertEquals(ColumnType.NUMBER, columns.get("total"));
        assertEquals(ColumnType.STRING, columns.get("currency"));
        // ["string", "integer"]: both fit in text, not in a number
        assertEquals(ColumnType.STRING, columns.get("order_id"));
        assertEquals(ColumnType.JSON, columns.get("products"));
        assertEquals(ColumnType.STRING, columns.get("plan"));
    }

    @Test
    void a_block_with_an_unknown_connector_an_inlined_secret_and_a_bad_table_is_refused_with_each_path()
            throws IOException {
        Path contracts = contractsWith("""
                    delivery:
                      connector: snowflake
                      target: { connection: warehouse, table: Governed-Events, password: hunter2 }
                      dead-letter-topic: cairn.dead-letters.delivery-governed.v1
                """);

        InvalidDeliveryPlanException e = assertThrows(InvalidDeliveryPlanException.class,
                () -> DeliveryPlan.load(contracts));

        String problems = String.join("\n", e.problems());
        assertTrue(problems.contains("destinations[0].delivery.connector:"), problems);
        assertTrue(problems.contains("destinations[0].delivery.target.table:"), problems);
        assertTrue(problems.contains("password"), "a secret has no place in the block: " + problems);
        assertTrue(e.getMessage().contains("destinations.yaml"), e.getMessage());
    }

    @Test
    void a_block_without_a_dead_letter_topic_or_with_a_negative_batch_is_refused() throws IOException {
        Path contracts = contractsWith("""
                    delivery:
                      connector: jdbc
                      target: { connection: warehouse, table: governed_events }
                      batching: { max-records: 0 }
                      retry: { backoff: soon }
                """);

        List<String> problems = assertThrows(InvalidDeliveryPlanException.class, () -> DeliveryPlan.load(contracts))
                .problems();

        assertTrue(problems.stream().anyMatch(p -> p.startsWith("destinations[0].delivery:")
                && p.contains("dead-letter-topic")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("destinations[0].delivery.batching.max-records:")),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("destinations[0].delivery.retry.backoff:")),
                problems.toString());
    }

    @Test
    void two_destinations_may_not_share_a_table_or_a_dead_letter_topic() throws IOException {
        String block = """
                    delivery:
                      connector: jdbc
                      target: { connection: warehouse, table: events }
                      dead-letter-topic: cairn.dead-letters.delivery-all.v1
                """;
        Path contracts = contracts("""
                version: 1
                destinations:
                  - name: governed
                    topic: cairn.events.governed.v1
                """ + block + """
                  - name: advertising
                    topic: cairn.dest.advertising.v1
                """ + block);

        List<String> problems = assertThrows(InvalidDeliveryPlanException.class, () -> DeliveryPlan.load(contracts))
                .problems();

        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("destinations[1].delivery.target: table events"), problems.toString());
        assertTrue(problems.get(1).startsWith("destinations[1].delivery.dead-letter-topic:"), problems.toString());
    }

    @Test
    void a_destination_without_a_delivery_block_is_not_delivered() throws IOException {
        Path contracts = contracts("""
                version: 1
                destinations:
                  - name: governed
                    topic: cairn.events.governed.v1
                """);
        assertFalse(DeliveryPlan.load(contracts).columns().isEmpty());
        assertTrue(DeliveryPlan.load(contracts).deliveries().isEmpty());
    }

    @Test
    void a_delivered_topic_must_be_in_the_topic_catalogue() throws IOException {
        Path contracts = contracts("""
                version: 1
                destinations:
                  - name: crm
                    topic: cairn.dest.crm.v1
                    delivery:
                      connector: jdbc
                      target: { connection: warehouse, table: crm_events }
                      dead-letter-topic: cairn.dead-letters.delivery-crm.v1
                """);

        List<String> problems = assertThrows(InvalidDeliveryPlanException.class, () -> DeliveryPlan.load(contracts))
                .problems();

        assertEquals(List.of("destinations[0].topic: cairn.dest.crm.v1 is not in topics.yaml: Connect would wait for"
                + " a topic nobody creates"), problems);
    }

    private Path contractsWith(String block) throws IOException {
        return contracts("""
                version: 1
                destinations:
                  - name: governed
                    topic: cairn.events.governed.v1
                """ + block);
    }

    /** A contracts directory with the shipped tracking plan and the given destinations file. */
    private Path contracts(String destinations) throws IOException {
        Path dir = temp.resolve("contracts");
        Path plan = CONTRACTS.resolve("tracking-plan");
        try (Stream<Path> files = Files.walk(plan)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path copy = dir.resolve("tracking-plan").resolve(plan.relativize(f));
                Files.createDirectories(copy.getParent());
                Files.copy(f, copy);
            }
        }
        Files.copy(CONTRACTS.resolve(DeliveryPlan.TOPICS), dir.resolve(DeliveryPlan.TOPICS));
        Files.createDirectories(dir.resolve("ingest"));
        Files.writeString(dir.resolve(DeliveryPlan.DESTINATIONS), destinations);
        return dir;
    }
}
