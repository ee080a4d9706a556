package dev.cairn.delivery.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Date;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.ListValue;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;

class EventStructConverterTest {

    private static final String TOPIC = "cairn.dest.advertising.v1";

    private final EventStructConverter converter = converter(
            "order_id:string,total:number,quantity:integer,gift:boolean,products:json");

    @Test
    void an_event_becomes_a_row_with_its_envelope_and_its_planned_properties_typed() {
        Event event = order().build();

        SchemaAndValue converted = converter.toConnectData(TOPIC, event.toByteArray());

        Struct row = (Struct) converted.value();
        row.validate();
        assertEquals("web", row.get("source_id"));
        assertEquals("m-1", row.get("message_id"));
        assertEquals("track", row.get("type"));
        assertEquals("Order Completed", row.get("event"));
        assertEquals("u-1", row.get("user_id"));
        assertNull(row.get("anonymous_id"), "an absent id is NULL, not an empty string");
        assertEquals(new Date(1_700_000_000_123L), row.get("event_time"));
        assertEquals("A-17", row.get("prop_order_id"));
        assertEquals(12.5, row.get("prop_total"));
        assertEquals(new BigDecimal("3"), row.get("prop_quantity"));
        assertEquals(Decimal.LOGICAL_NAME, converted.schema().field("prop_quantity").schema().name());
        assertEquals(true, row.get("prop_gift"));
        assertEquals("[{\"sku\":\"S1\"}]", row.get("prop_products"));
        assertEquals("{\"email\":\"hmac:abc\",\"gift\":true,\"order_id\":\"A-17\",\"products\":[{\"sku\":\"S1\"}],"
                + "\"quantity\":3,\"total\":12.5}", row.get("properties"));
        assertNull(row.get("traits"));
    }

    @Test
    void the_row_holds_what_the_record_holds_and_nothing_the_destination_was_denied() {
        // ingest pseudonymized the email and dropped the IP for this destination; the row may not differ
        Event event = order().setContext(map(Map.of("page", string("/checkout")))).build();

        Struct row = (Struct) converter.toConnectData(TOPIC, event.toByteArray()).value();

        assertTrue(((String) row.get("properties")).contains("\"email\":\"hmac:abc\""));
        assertEquals("{\"page\":\"/checkout\"}", row.get("context"));
    }

    @Test
    void a_value_of_another_type_than_planned_loads_as_null_and_stays_in_the_properties_json() {
        Event event = order().setProperties(map(Map.of("total", string("twelve"), "quantity", Value.newBuilder()
                .setBigIntegerValue("123456789012345678901234567890").build()))).build();

        Struct row = (Struct) converter.toConnectData(TOPIC, event.toByteArray()).value();

        assertNull(row.get("prop_total"));
        assertTrue(((String) row.get("properties")).contains("\"total\":\"twelve\""));
        assertEquals(new BigDecimal("123456789012345678901234567890"), row.get("prop_quantity"),
                "integers beyond 2^63 stay exact");
    }

    @Test
    void a_record_that_is_not_an_event_is_a_data_exception_for_the_dead_letter_topic() {
        DataException e = assertThrows(DataException.class,
                () -> converter.toConnectData(TOPIC, new byte[]{(byte) 0xff, 0x01, 0x02}));
        assertTrue(e.getMessage().contains(TOPIC), e.getMessage());

        Event withoutIds = Event.newBuilder().setEvent("Order Completed").build();
        assertThrows(DataException.class, () -> converter.toConnectData(TOPIC, withoutIds.toByteArray()));
    }

    @Test
    void a_tombstone_stays_a_tombstone() {
        assertEquals(SchemaAndValue.NULL, converter.toConnectData(TOPIC, null));
    }

    @Test
    void a_bad_column_list_is_refused_with_the_reason() {
        ConfigException e = assertThrows(ConfigException.class, () -> converter("total:money"));
        assertTrue(e.getMessage().contains("unknown column type 'money'"), e.getMessage());
        assertThrows(ConfigException.class, () -> converter("Total:number"));
        assertThrows(ConfigException.class, () -> converter("total:number,total:string"));
        assertThrows(ConfigException.class,
                () -> new EventStructConverter().configure(Map.of(), true), "keys are not events");
    }

    @Test
    void the_schema_is_the_same_for_every_event_so_the_table_is_created_once() {
        Schema first = converter.toConnectData(TOPIC, order().build().toByteArray()).schema();
        Schema second = converter.toConnectData(TOPIC, Event.newBuilder().setMessageId("m-2").setSourceId("web")
                .setType(EventType.EVENT_TYPE_IDENTIFY).build().toByteArray()).schema();
        assertEquals(first, second);
    }

    private static EventStructConverter converter(String columns) {
        EventStructConverter c = new EventStructConverter();
        c.configure(Map.of(EventStructConverter.COLUMNS_CONFIG, columns), false);
        return c;
    }

    private static Event.Builder order() {
        return Event.newBuilder().setMessageId("m-1").setSourceId("web").setType(EventType.EVENT_TYPE_TRACK)
                .setEvent("Order Completed").setUserId("u-1")
                .setTimestamp(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(123_000_000))
                .setProperties(map(Map.of("order_id", string("A-17"),
                        "total", Value.newBuilder().setDoubleValue(12.5).build(),
                        "quantity", Value.newBuilder().setIntValue(3).build(),
                        "gift", Value.newBuilder().setBoolValue(true).build(),
                        "email", string("hmac:abc"),
                        "products", Value.newBuilder().setListValue(ListValue.newBuilder()
                                .addValues(Value.newBuilder().setMapValue(map(Map.of("sku", string("S1"))))))
                                .build())));
    }

    private static MapValue map(Map<String, Value> fields) {
        return MapValue.newBuilder().putAllFields(fields).build();
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
