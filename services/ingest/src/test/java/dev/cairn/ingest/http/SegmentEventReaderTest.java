package dev.cairn.ingest.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import dev.cairn.ingest.http.SegmentEventReader.Endpoint;
import dev.cairn.ingest.service.IngestItem;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;

class SegmentEventReaderTest {

    private final SegmentEventReader reader = new SegmentEventReader(512_000, 32_768, 2_500);

    @Test
    void a_batch_context_and_integrations_are_merged_into_each_event_and_the_events_own_keys_win() throws Exception {
        SegmentRequest request = read("""
                {"context":{"library":{"name":"analytics-node"},"locale":"en-GB"},
                 "integrations":{"All":false},
                 "batch":[
                   {"type":"track","event":"A","userId":"u1","context":{"locale":"fr-FR"}},
                   {"type":"identify","userId":"u2","integrations":{"All":true,"Mixpanel":false}}]}
                """, Endpoint.BATCH);
        EventInput first = request.items().get(0).event();
        EventInput second = request.items().get(1).event();
        assertEquals("fr-FR", first.getContext().getFieldsOrThrow("locale").getStringValue());
        assertEquals("analytics-node", first.getContext().getFieldsOrThrow("library").getMapValue()
                .getFieldsOrThrow("name").getStringValue());
        assertFalse(first.getIntegrations().getFieldsOrThrow("All").getBoolValue());
        assertEquals("en-GB", second.getContext().getFieldsOrThrow("locale").getStringValue());
        assertTrue(second.getIntegrations().getFieldsOrThrow("All").getBoolValue());
        assertFalse(second.getIntegrations().getFieldsOrThrow("Mixpanel").getBoolValue());
        assertEquals(EventType.EVENT_TYPE_IDENTIFY, second.getType());
        assertTrue(request.items().stream().allMatch(i -> i.violations().isEmpty()));
    }

    @Test
    void an_integer_of_two_to_the_53_plus_one_and_an_exact_decimal_survive_unchanged() throws Exception {
        EventInput event = single("""
                {"event":"Order Completed","userId":"u1",
                 "properties":{"orderId":9007199254740993,"huge":123456789012345678901234567890,"total":0.1}}
                """).event();
        assertEquals(9007199254740993L, event.getProperties().getFieldsOrThrow("orderId").getIntValue());
        assertEquals("123456789012345678901234567890",
                event.getProperties().getFieldsOrThrow("huge").getBigIntegerValue());
        Value total = event.getProperties().getFieldsOrThrow("total");
        assertEquals("0.1",
                total.hasDecimalValue() ? total.getDecimalValue() : Double.toString(total.getDoubleValue()));
    }

    @Test
    void a_gzip_body_is_decompressed_and_read_like_plain_json() throws Exception {
        byte[] json = """
                {"batch":[{"type":"track","event":"Signed Up","anonymousId":"a1"}],"writeKey":"k"}
                """.getBytes(StandardCharsets.UTF_8);
        byte[] decoded = reader.decode(gzip(json), "gzip");
        assertArrayEquals(json, decoded);
        SegmentRequest request = reader.read(decoded, Endpoint.BATCH);
        assertEquals("Signed Up", request.items().get(0).event().getEvent());
        assertEquals("k", request.writeKey().orElseThrow());
    }

    @Test
    void a_gzip_body_that_inflates_past_the_request_limit_is_refused_413_without_inflating_it_all()
            throws Exception {
        byte[] bomb = gzip(new byte[50_000_000]);
        RequestFault fault = assertThrows(RequestFault.class, () -> reader.decode(bomb, "gzip"));
        assertEquals(413, fault.status());
        assertEquals("request_too_large", fault.error());
    }

    @Test
    void request_faults_carry_a_status_and_a_stable_error_code() {
        assertFault(400, "malformed_json", "{\"batch\":[", Endpoint.BATCH);
        assertFault(400, "malformed_json", "{} trailing", Endpoint.TRACK);
        assertFault(400, "malformed_json", "[1,2]", Endpoint.TRACK);
        assertFault(400, "malformed_json", "{\"event\":\"a\",\"event\":\"b\"}", Endpoint.TRACK);
        assertFault(400, "empty_batch", "{\"batch\":[]}", Endpoint.BATCH);
        assertFault(400, "invalid_batch", "{\"batch\":{}}", Endpoint.BATCH);
        assertFault(400, "invalid_batch", "{\"batch\":[{}],\"context\":\"x\"}", Endpoint.BATCH);
        RequestFault utf8 = assertThrows(RequestFault.class,
                () -> reader.read(new byte[]{'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
                        Endpoint.TRACK));
        assertEquals("invalid_utf8", utf8.error());
        RequestFault unsupported = assertThrows(RequestFault.class, () -> reader.decode(new byte[]{1}, "br"));
        assertEquals(415, unsupported.status());
    }

    @Test
    void more_than_2500_events_is_a_request_fault() {
        StringBuilder body = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 2_501; i++) {
            body.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}");
        }
        assertFault(400, "too_many_events", body.append("]}").toString(), Endpoint.BATCH);
    }

    @Test
    void wrong_field_types_are_item_violations_with_their_json_path() throws Exception {
        SegmentRequest request = read("""
                {"batch":[
                  {"type":"track","event":42,"userId":"u1","properties":[1]},
                  {"type":"track","event":"ok","userId":7,"context":"web"},
                  "not an event",
                  {"type":"purchase","userId":"u1"}]}
                """, Endpoint.BATCH);
        assertViolations(request.items().get(0), ViolationType.VIOLATION_TYPE_TYPE_MISMATCH, "$.event",
                ViolationType.VIOLATION_TYPE_TYPE_MISMATCH, "$.properties");
        assertEquals("7", request.items().get(1).event().getUserId(), "a numeric id is read as its text");
        assertViolations(request.items().get(1), ViolationType.VIOLATION_TYPE_TYPE_MISMATCH, "$.context");
        assertViolations(request.items().get(2), ViolationType.VIOLATION_TYPE_MALFORMED, "$");
        assertViolations(request.items().get(3), ViolationType.VIOLATION_TYPE_ENVELOPE, "$.type");
    }

    @Test
    void an_event_over_32_kb_is_an_item_violation_and_keeps_its_message_id() throws Exception {
        IngestItem item = single(
                "{\"messageId\":\"m-big\",\"event\":\"Big\",\"userId\":\"u\",\"properties\":{\"blob\":\""
                        + "x".repeat(33_000) + "\"}}");
        assertViolations(item, ViolationType.VIOLATION_TYPE_SIZE, "$");
        assertEquals("m-big", item.event().getMessageId());
    }

    @Test
    void original_timestamp_is_the_client_time_and_an_unreadable_time_is_an_item_violation() throws Exception {
        SegmentRequest request = read("""
                {"sentAt":"2026-05-01T11:00:00Z","batch":[
                  {"type":"track","event":"a","userId":"u","timestamp":"2026-05-01T10:00:00Z",
                   "originalTimestamp":"2026-05-01T10:30:00.250+02:00"},
                  {"type":"track","event":"b","userId":"u","timestamp":"yesterday"},
                  {"type":"track","event":"c","userId":"u","timestamp":"+20000-01-01T00:00:00Z"},
                  {"type":"track","event":"d","userId":"u","timestamp":1714560000}]}
                """, Endpoint.BATCH);
        assertEquals(Instant.parse("2026-05-01T11:00:00Z"), request.sentAt().orElseThrow());
        EventInput first = request.items().get(0).event();
        assertEquals(Instant.parse("2026-05-01T08:30:00.250Z"),
                Instant.ofEpochSecond(first.getTimestamp().getSeconds(), first.getTimestamp().getNanos()));
        assertViolations(request.items().get(1), ViolationType.VIOLATION_TYPE_MALFORMED, "$.timestamp");
        assertViolations(request.items().get(2), ViolationType.VIOLATION_TYPE_ENVELOPE, "$.timestamp");
        assertViolations(request.items().get(3), ViolationType.VIOLATION_TYPE_MALFORMED, "$.timestamp");
        assertTrue(request.items().get(0).violations().isEmpty());
    }

    @Test
    void a_single_call_takes_its_type_from_the_path_and_its_write_key_never_travels_with_the_event()
            throws Exception {
        SegmentRequest request = read("""
                {"writeKey":"secret-key","userId":"u1","traits":{"plan":"pro"},"sentAt":"2026-05-01T12:00:00Z"}
                """, Endpoint.named("i").orElseThrow());
        IngestItem item = request.items().get(0);
        assertEquals(EventType.EVENT_TYPE_IDENTIFY, item.event().getType());
        assertEquals("secret-key", request.writeKey().orElseThrow());
        assertFalse(item.original().toStringUtf8().contains("secret-key"), item.original().toStringUtf8());
        assertEquals("pro", item.event().getTraits().getFieldsOrThrow("plan").getStringValue());
        assertEquals(Endpoint.BATCH, Endpoint.named("import").orElseThrow());
    }

    private SegmentRequest read(String json, Endpoint endpoint) throws RequestFault {
        return reader.read(json.getBytes(StandardCharsets.UTF_8), endpoint);
    }

    private IngestItem single(String json) throws RequestFault {
        return read(json, Endpoint.TRACK).items().get(0);
    }

    private void assertFault(int status, String error, String body, Endpoint endpoint) {
        RequestFault fault = assertThrows(RequestFault.class, () -> read(body, endpoint), body);
        assertEquals(status, fault.status(), body);
        assertEquals(error, fault.error(), body + ": " + fault.reason());
    }

    private static void assertViolations(IngestItem item, Object... typeAndPath) {
        List<Violation> violations = item.violations();
        assertEquals(typeAndPath.length / 2, violations.size(), violations.toString());
        for (int i = 0; i < typeAndPath.length; i += 2) {
            assertEquals(typeAndPath[i], violations.get(i / 2).getType(), violations.toString());
            assertEquals(typeAndPath[i + 1], violations.get(i / 2).getJsonPath(), violations.toString());
        }
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }
}
