package dev.cairn.delivery.plan;

import java.time.Duration;

/**
 * One destination's delivery, bound from its {@code delivery:} block in contracts/ingest/destinations.yaml (schema:
 * delivery-block.schema.json): which sink writes the destination's topic to which target, in what batches, with what
 * retries, and where unreadable records go.
 *
 * @param destination the destination's name, e.g. {@code email_marketing}
 * @param topic the destination's topic, where ingest writes what the destination may see (consent and PII applied)
 */
public record Delivery(String destination, String topic, Connector connector, Target target, int maxRecords,
        int retryAttempts, Duration retryBackoff, OnUnreadable onUnreadable, String deadLetterTopic) {

    /** The sinks Cairn renders configurations for. */
    public enum Connector {
        /** Debezium's JDBC sink: PostgreSQL locally; any JDBC database (or a warehouse with a JDBC driver). */
        JDBC("io.debezium.connector.jdbc.JdbcSinkConnector");

        private final String connectorClass;

        Connector(String connectorClass) {
            this.connectorClass = connectorClass;
        }

        public String connectorClass() {
            return connectorClass;
        }
    }

    public enum OnUnreadable {
        /** To the dead-letter topic, and carry on: one bad record never stops a destination. */
        DEAD_LETTER,
        /** The task fails and waits for an operator. */
        STOP
    }

    /**
     * @param connection names the connection settings ({@code url}, {@code username}, {@code password}) the Connect
     *        worker reads from its connections directory through a config provider: never inlined here
     */
    public record Target(String connection, String table) {
    }

    /** The connector's name on the Connect cluster; its consumer group is {@code connect-<name>}. */
    public String connectorName() {
        return DeliveryPlan.CONNECTOR_PREFIX + destination;
    }
}
