package dev.cairn.delivery.connect;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;

/**
 * One governed event as one warehouse row: the envelope as typed columns, the planned properties as typed
 * {@link PropertyColumn}s, and properties, traits and context whole as JSON text. What the row holds is exactly what
 * the record holds: ingest applied the destination's PII policy before writing the topic (a dropped field is absent,
 * a pseudonymized one is its keyed hash), and nothing here adds, restores or reveals a value.
 *
 * <p>
 * {@code (source_id, message_id)} identifies an event (ingest deduplicates by both), so a sink that upserts on them
 * writes a redelivered record over itself instead of adding a row.
 */
public final class EventRow {

    /** The row key: the sink's {@code primary.key.fields}. */
    public static final List<String> KEY_COLUMNS = List.of("source_id", "message_id");

    private static final JsonFactory JSON = new JsonFactory();

    private final Schema schema;
    private final List<PropertyColumn> columns;

    public EventRow(List<PropertyColumn> columns) {
        this.columns = List.copyOf(columns);
        SchemaBuilder row = SchemaBuilder.struct().name("dev.cairn.delivery.EventRow").version(1)
                .field("source_id", Schema.STRING_SCHEMA)
                .field("message_id", Schema.STRING_SCHEMA)
                .field("type", Schema.STRING_SCHEMA)
                .field("event", Schema.OPTIONAL_STRING_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA)
                .field("user_id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("anonymous_id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("group_id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("event_time", Timestamp.builder().optional().build())
                .field("sent_at", Timestamp.builder().optional().build())
                .field("received_at", Timestamp.builder().optional().build())
                .field("tracking_plan_version", Schema.OPTIONAL_STRING_SCHEMA)
                .field("reprocessed", Schema.BOOLEAN_SCHEMA)
                .field("violations", Schema.INT32_SCHEMA);
        for (PropertyColumn c : this.columns) {
            row.field(c.column(), columnSchema(c.type()));
        }
        this.schema = row.field("properties", Schema.OPTIONAL_STRING_SCHEMA)
                .field("traits", Schema.OPTIONAL_STRING_SCHEMA)
                .field("context", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
    }

    private static Schema columnSchema(ColumnType type) {
        return switch (type) {
            case STRING, JSON -> Schema.OPTIONAL_STRING_SCHEMA;
            case INTEGER -> Decimal.builder(0).optional().build();
            case NUMBER -> Schema.OPTIONAL_FLOAT64_SCHEMA;
            case BOOLEAN -> Schema.OPTIONAL_BOOLEAN_SCHEMA;
        };
    }

    public Schema schema() {
        return schema;
    }

    public Struct of(Event event) {
        Struct row = new Struct(schema)
                .put("source_id", event.getSourceId())
                .put("message_id", event.getMessageId())
                .put("type", event.getType().name().substring("EVENT_TYPE_".length()).toLowerCase(Locale.ROOT))
                .put("event", blankToNull(event.getEvent()))
                .put("name", blankToNull(event.getName()))
                .put("user_id", blankToNull(event.getUserId()))
                .put("anonymous_id", blankToNull(event.getAnonymousId()))
                .put("group_id", blankToNull(event.getGroupId()))
                .put("event_time", event.hasTimestamp() ? date(event.getTimestamp()) : null)
                .put("sent_at", event.hasSentAt() ? date(event.getSentAt()) : null)
                .put("received_at", event.hasReceivedAt() ? date(event.getReceivedAt()) : null)
                .put("tracking_plan_version", blankToNull(event.getTrackingPlanVersion()))
                .put("reprocessed", event.getReprocessed())
                .put("violations", event.getViolationsCount());
        Map<String, Value> properties = event.getProperties().getFieldsMap();
        for (PropertyColumn c : columns) {
            row.put(c.column(), typed(properties.get(c.property()), c.type()));
        }
        return row.put("properties", event.hasProperties() ? json(event.getProperties()) : null)
                .put("traits", event.hasTraits() ? json(event.getTraits()) : null)
                .put("context", event.hasContext() ? json(event.getContext()) : null);
    }

    /**
     * A property's value in its planned column type, or null when absent or of another type: a source that lets
     * violations through may send a string where the plan says number, and that event must still load (the value
     * stays in the {@code properties} JSON), not stop the connector.
     */
    static Object typed(Value value, ColumnType type) {
        if (value == null || value.getKindCase() == Value.KindCase.NULL_VALUE
                || value.getKindCase() == Value.KindCase.KIND_NOT_SET) {
            return null;
        }
        return switch (type) {
            case STRING -> value.getKindCase() == Value.KindCase.STRING_VALUE ? value.getStringValue() : json(value);
            case JSON -> json(value);
            case BOOLEAN -> value.getKindCase() == Value.KindCase.BOOL_VALUE ? value.getBoolValue() : null;
            case NUMBER -> switch (value.getKindCase()) {
                case INT_VALUE -> (double) value.getIntValue();
                case DOUBLE_VALUE -> value.getDoubleValue();
                case BIG_INTEGER_VALUE -> new BigDecimal(value.getBigIntegerValue()).doubleValue();
                case DECIMAL_VALUE -> new BigDecimal(value.getDecimalValue()).doubleValue();
                default -> null;
            };
            case INTEGER -> switch (value.getKindCase()) {
                case INT_VALUE -> BigDecimal.valueOf(value.getIntValue());
                case BIG_INTEGER_VALUE -> new BigDecimal(new BigInteger(value.getBigIntegerValue()));
                default -> null;
            };
        };
    }

    /** Millisecond precision: Connect's Timestamp type, and what every warehouse's timestamp column keeps. */
    private static Date date(com.google.protobuf.Timestamp t) {
        return new Date(t.getSeconds() * 1000 + t.getNanos() / 1_000_000);
    }

    private static String blankToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    static String json(MapValue map) {
        return json(Value.newBuilder().setMapValue(map).build());
    }

    /** JSON text of a value, object keys sorted so that the same event always gives the same text. */
    static String json(Value value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Value value) throws IOException {
        switch (value.getKindCase()) {
            case BOOL_VALUE -> g.writeBoolean(value.getBoolValue());
            case INT_VALUE -> g.writeNumber(value.getIntValue());
            case BIG_INTEGER_VALUE -> g.writeNumber(new BigInteger(value.getBigIntegerValue()));
            case DOUBLE_VALUE -> g.writeNumber(value.getDoubleValue());
            case DECIMAL_VALUE -> g.writeNumber(new BigDecimal(value.getDecimalValue()));
            case STRING_VALUE -> g.writeString(value.getStringValue());
            case LIST_VALUE -> {
                g.writeStartArray();
                for (Value v : value.getListValue().getValuesList()) {
                    write(g, v);
                }
                g.writeEndArray();
            }
            case MAP_VALUE -> {
                g.writeStartObject();
                for (Map.Entry<String, Value> e : new TreeMap<>(value.getMapValue().getFieldsMap()).entrySet()) {
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case NULL_VALUE, KIND_NOT_SET -> g.writeNull();
        }
    }
}
