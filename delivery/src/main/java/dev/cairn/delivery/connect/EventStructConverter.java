package dev.cairn.delivery.connect;

import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.cairn.proto.events.v1.Event;

/**
 * Cairn's Kafka Connect converter for the records ingest writes to a destination's topic ({@code cairn.dest.*.v1},
 * {@code cairn.events.governed.v1}): a {@code cairn.events.v1.Event} in protobuf becomes an {@link EventRow}, a
 * Connect Struct with a schema, which any schema-aware sink (JDBC, Snowflake, BigQuery, Iceberg) can write as typed
 * columns.
 *
 * <p>
 * Configuration (as {@code value.converter.*} of a sink connector, rendered by the delivery plan):
 * {@value #COLUMNS_CONFIG} lists the planned properties to load as typed columns ({@code order_id:string,
 * total:number}). Sink-only: Cairn writes its topics itself, so {@link #fromConnectData} refuses.
 *
 * <p>
 * A record that is not an Event fails with a {@link DataException}: with {@code errors.tolerance=all} Connect writes
 * it to the connector's dead-letter topic, unchanged and with the error in its headers, and carries on.
 */
public class EventStructConverter implements Converter {

    public static final String COLUMNS_CONFIG = "columns";

    static final ConfigDef CONFIG = new ConfigDef().define(COLUMNS_CONFIG, ConfigDef.Type.STRING, "",
            (name, value) -> {
                try {
                    PropertyColumn.parse((String) value);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, e.getMessage());
                }
            }, ConfigDef.Importance.HIGH,
            "Planned event properties loaded as typed columns prop_<property>: property:type pairs, comma-separated;"
                    + " types string, integer, number, boolean, json.");

    private EventRow row;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (isKey) {
            throw new ConfigException("EventStructConverter reads record values (events); keys are plain strings:"
                    + " use org.apache.kafka.connect.storage.StringConverter as key.converter");
        }
        Map<String, Object> parsed = CONFIG.parse(configs);
        row = new EventRow(PropertyColumn.parse((String) parsed.get(COLUMNS_CONFIG)));
    }

    @Override
    public ConfigDef config() {
        return CONFIG;
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        throw new DataException("EventStructConverter only reads Cairn's topics (sink connectors); ingest writes them");
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (row == null) {
            throw new IllegalStateException("EventStructConverter used before configure()");
        }
        if (value == null) {
            // Destination topics are not compacted and ingest writes no tombstones; pass one on as Connect does.
            return SchemaAndValue.NULL;
        }
        Event event;
        try {
            event = Event.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new DataException("record on " + topic + " is not a cairn.events.v1.Event: " + e.getMessage(), e);
        }
        if (event.getMessageId().isEmpty() || event.getSourceId().isEmpty()) {
            // Ingest never writes one; a row without its key could not be upserted, so redelivery would duplicate it.
            throw new DataException("event on " + topic + " has no message id or source id: not written by ingest");
        }
        return new SchemaAndValue(row.schema(), row.of(event));
    }
}
