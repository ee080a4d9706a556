package dev.cairn.ingest.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.ListValue;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;

class EnvelopeCheckTest {

    private static final Instant RECEIVED = Instant.parse("2026-12-07T12:00:00Z");
    private static final int DEPTH = EnvelopeCheck.MAX_READABLE_DEPTH;

    private static EventInput.Builder valid() {
        return EventInput.newBuilder().setType(EventType.EVENT_TYPE_TRACK).setMessageId("m-1").setUserId("u-1")
                .setAnonymousId("a-1").setEvent("Order Completed");
    }

    private static List<Violation> check(EventInput e) {
        return EnvelopeCheck.check(e, Optional.empty(), RECEIVED, DEPTH);
    }

    private static MapValue map(String key, Value value) {
        return MapValue.newBuilder().putFields(key, value).build();
    }

    private static Value text(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    /** Where a value goes into an event, and the path its violation must name. */
    static Stream<Arguments> keyedFields() {
        List<Object[]> fields = List.of(
                new Object[]{"$.messageId", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setMessageId(v)},
                new Object[]{"$.userId", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setUserId(v)},
                new Object[]{"$.anonymousId", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setAnonymousId(v)},
                new Object[]{"$.groupId", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setGroupId(v)},
                new Object[]{"$.previousId", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setPreviousId(v)},
                new Object[]{"$.event", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setEvent(v)},
                new Object[]{"$.traits.email", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setTraits(map("email", text(v)))},
                new Object[]{"$.context.traits.phone", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setContext(
                                map("traits", Value.newBuilder().setMapValue(map("phone", text(v))).build()))},
                new Object[]{"$.context.device.id", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setContext(map("device", Value.newBuilder().setMapValue(map("id", text(v))).build()))},
                new Object[]{"$.context.externalIds[0].id",
                        (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b, v) -> b.setContext(map(
                                "externalIds", Value.newBuilder().setListValue(ListValue.newBuilder().addValues(
                                        Value.newBuilder().setMapValue(MapValue.newBuilder().putFields("type",
                                                text("crm_id")).putFields("id", text(v)))))
                                        .build()))},
                new Object[]{"$.context.jurisdiction", (BiFunction<EventInput.Builder, String, EventInput.Builder>) (b,
                        v) -> b.setContext(map("jurisdiction", text(v)))});
        List<String> bad = List.of("u\u0000-1", "u-\u001f", "\u007fu", "u\u0085", "u-\ud800", "\udc00u", "u\nv",
                "\tu\u0000");
        return fields.stream().flatMap(f -> bad.stream().map(v -> Arguments.of(f[0], f[1], v)));
    }

    @Test
    void a_plain_event_passes() {
        assertEquals(List.of(), check(valid().build()));
    }

    @ParameterizedTest(name = "{0} = {2}")
    @MethodSource("keyedFields")
    void a_control_character_or_an_unpaired_surrogate_in_anything_that_becomes_a_key_or_an_identifier_is_an_envelope_violation_at_its_path(
            String path, BiFunction<EventInput.Builder, String, EventInput.Builder> set, String value) {
        List<Violation> violations = check(set.apply(valid(), value).build());
        assertTrue(violations.stream().anyMatch(v -> v.getType() == ViolationType.VIOLATION_TYPE_ENVELOPE
                && v.getJsonPath().equals(path)), path + ": " + violations);
    }

    @Test
    void tabs_and_line_breaks_around_an_identifier_pass_as_identity_trims_them() {
        assertEquals(List.of(), check(valid().setTraits(map("email", text("\tAnn@Example.com\n"))).build()));
        assertEquals(List.of(), check(valid().setUserId(" u-1\r\n").build()));
    }

    @Test
    void an_id_over_256_characters_or_present_but_blank_is_an_envelope_violation() {
        assertEquals("$.userId", check(valid().setUserId("u".repeat(257)).build()).get(0).getJsonPath());
        assertEquals(List.of(), check(valid().setUserId("u".repeat(256)).build()));
        assertEquals("$.anonymousId", check(valid().setAnonymousId(" \t").build()).get(0).getJsonPath());
        assertEquals("$.messageId", check(valid().setMessageId("m".repeat(101)).build()).get(0).getJsonPath());
        // A pair of surrogates is one character, and fine.
        assertEquals(List.of(), check(valid().setUserId("u-\ud83d\ude00").build()));
    }

    @Test
    void a_corrected_event_time_outside_the_years_1_to_9999_is_an_envelope_violation() {
        // Sent "in the year 1" about an event "in 9999": received now, the correction lands thousands of years ahead.
        EventInput e = valid().setTimestamp(Timestamp.newBuilder().setSeconds(253_402_300_000L)).build();
        List<Violation> violations = EnvelopeCheck.check(e, Optional.of(Instant.parse("0001-01-01T00:00:00Z")),
                RECEIVED, DEPTH);
        assertEquals(ViolationType.VIOLATION_TYPE_ENVELOPE, violations.get(0).getType());
        assertEquals("$.timestamp", violations.get(0).getJsonPath());
        assertEquals("$.sentAt",
                EnvelopeCheck.check(valid().build(), Optional.of(Instant.parse("+10000-01-01T00:00:00Z")),
                        RECEIVED, DEPTH).get(0).getJsonPath());
    }

    @Test
    void a_timestamp_that_is_no_valid_protobuf_timestamp_is_an_envelope_violation() {
        for (Timestamp t : List.of(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE).build(),
                Timestamp.newBuilder().setSeconds(-62_135_596_801L).build(),
                Timestamp.newBuilder().setSeconds(0).setNanos(-1).build(),
                Timestamp.newBuilder().setSeconds(0).setNanos(1_000_000_000).build())) {
            List<Violation> violations = EnvelopeCheck.check(valid().setTimestamp(t).build(),
                    Optional.of(RECEIVED), RECEIVED, DEPTH);
            assertEquals("$.timestamp", violations.get(0).getJsonPath(), t.toString());
        }
    }

    @Test
    void nesting_up_to_the_bound_is_readable_back_and_one_level_more_is_a_size_violation() throws Exception {
        Event atBound = Event.newBuilder().setProperties(nested(DEPTH)).build();
        assertEquals(atBound, Event.parseFrom(atBound.toByteArray()));
        assertEquals(List.of(), check(valid().setProperties(nested(DEPTH)).build()));
        List<Violation> deeper = check(valid().setContext(nested(DEPTH + 1)).build());
        assertEquals(ViolationType.VIOLATION_TYPE_SIZE, deeper.get(0).getType());
        assertEquals("$.context", deeper.get(0).getJsonPath());
        // Why there is a bound at all: a little deeper and no consumer can read the event back.
        Event unreadable = Event.newBuilder().setProperties(nested(DEPTH + 2)).build();
        assertThrows(InvalidProtocolBufferException.class, () -> Event.parseFrom(unreadable.toByteArray()));
    }

    /** Objects nested {@code levels} deep, the outermost being the field's own object. */
    private static MapValue nested(int levels) {
        MapValue map = map("leaf", text("x"));
        for (int i = 1; i < levels; i++) {
            map = map("k" + i, Value.newBuilder().setMapValue(map).build());
        }
        return map;
    }
}
