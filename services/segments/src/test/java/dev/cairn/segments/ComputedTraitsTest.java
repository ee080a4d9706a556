package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.cairn.platform.contracts.ContractViolationException;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinitionLoader;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.service.ProfileState;
import dev.cairn.segments.service.ProfileStateCodec;

/** Computed traits: the engine's values over windows, their fall on expiry, merges, and the loader's checks. */
class ComputedTraitsTest {

    static final long HOUR = 3_600_000L;
    static final long T0 = 1_750_000_000_000L - 1_750_000_000_000L % HOUR;

    static SegmentCatalog catalog(String yaml) {
        return new SegmentDefinitionLoader(Duration.ofHours(1))
                .parse(readYaml(yaml), "segments.yaml");
    }

    static com.fasterxml.jackson.databind.JsonNode readYaml(String yaml) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static final String DEFINITIONS = """
            segments: []
            computed_traits:
              - { name: orders_3h, version: 1, event: order, within: 3h, count: {} }
              - { name: revenue_3h, version: 1, event: order, within: 3h, sum: { property: total } }
              - { name: last_method_2h, version: 1, event: order, within: 2h, last: { property: method } }
            """;

    static Event order(String id, long at, String total, String method) {
        return Event.newBuilder().setMessageId(id).setType(EventType.EVENT_TYPE_TRACK).setEvent("order")
                .setTimestamp(ProfileEngine.timestamp(at))
                .setProperties(MapValue.newBuilder()
                        .putFields("total", Value.newBuilder().setDecimalValue(total).build())
                        .putFields("method", Value.newBuilder().setStringValue(method).build()))
                .build();
    }

    static Value integer(long n) {
        return Value.newBuilder().setIntValue(n).build();
    }

    @Test
    void counts_exact_sums_and_last_values_follow_events_and_fall_as_windows_move_on() {
        ProfileEngine engine = new ProfileEngine(catalog(DEFINITIONS), Duration.ofHours(1), Duration.ofHours(1),
                TestConsentPolicy.POLICY);
        ProfileState s = new ProfileState("p");
        engine.onEvent(s, order("m1", T0 + 10, "19.99", "card"), T0 + 20);
        engine.onEvent(s, order("m2", T0 + HOUR + 10, "0.01", "paypal"), T0 + HOUR + 20);
        Map<String, Optional<Value>> first = engine.recomputeTraits(s, T0 + HOUR + 20);
        assertEquals(Optional.of(integer(2)), first.get("orders_3h"));
        assertEquals(Optional.of(integer(20)), first.get("revenue_3h"), "19.99 + 0.01 exactly, shown as 20");
        assertEquals(Optional.of(Value.newBuilder().setStringValue("paypal").build()), first.get("last_method_2h"));
        assertEquals(Map.of(), engine.recomputeTraits(s, T0 + HOUR + 30), "nothing changed, nothing to write");

        s = ProfileStateCodec.decode(ProfileStateCodec.encode(s));
        // The first order's bucket leaves the 2 h window at T0 + 2 h (the second order is still the last one),
        // then the 3 h windows at T0 + 3 h, when the second order's bucket leaves the 2 h window too.
        assertEquals(T0 + 2 * HOUR, s.expiryDue);
        engine.expire(s, T0 + 2 * HOUR);
        assertEquals(Map.of(), engine.recomputeTraits(s, T0 + 2 * HOUR));
        assertEquals(T0 + 3 * HOUR, s.expiryDue);
        engine.expire(s, T0 + 3 * HOUR);
        Map<String, Optional<Value>> later = engine.recomputeTraits(s, T0 + 3 * HOUR);
        assertEquals(Optional.of(integer(1)), later.get("orders_3h"));
        assertEquals(Optional.of(Value.newBuilder().setDecimalValue("0.01").build()), later.get("revenue_3h"));
        assertEquals(Optional.empty(), later.get("last_method_2h"), "no order in 2 h: the value goes");
        assertFalse(s.computed.containsKey("last_method_2h"));

        engine.expire(s, T0 + 4 * HOUR);
        assertEquals(Optional.of(integer(0)), engine.recomputeTraits(s, T0 + 4 * HOUR).get("orders_3h"));
        assertEquals(0, s.expiryDue, "nothing left to expire");
    }

    /**
     * What fuzz-drain found on the running stack: orders of 1e50000 and 1.5 in one bucket summed exactly into a
     * number of 50,000 digits, which the state codec wrote and could not read back, so the profile's task failed
     * on every window expiry, forever. Sums are now rounded to 34 significant digits, a number beyond 10^±10000
     * is not summed, the codec reads any number it wrote, and a huge sum is shown short.
     */
    @Test
    void extreme_numbers_keep_the_state_small_and_readable_and_ordinary_sums_exact() {
        ProfileEngine engine = new ProfileEngine(catalog(DEFINITIONS), Duration.ofHours(1), Duration.ofHours(1),
                TestConsentPolicy.POLICY);
        ProfileState s = new ProfileState("p");
        engine.onEvent(s, order("m1", T0 + 10, "1e5000", "card"), T0 + 20);
        engine.onEvent(s, order("m2", T0 + 11, "1.5", "card"), T0 + 20);
        engine.onEvent(s, order("m3", T0 + 12, "1e2147483647", "card"), T0 + 20);
        engine.onEvent(s, order("m4", T0 + 13, "-1e-2147483647", "card"), T0 + 20);
        byte[] stored = ProfileStateCodec.encode(s);
        assertTrue(stored.length < 5_000, "the state stays small: " + stored.length + " bytes");
        ProfileState read = ProfileStateCodec.decode(stored);
        Map<String, Optional<Value>> traits = engine.recomputeTraits(read, T0 + 20);
        assertEquals(Optional.of(integer(4)), traits.get("orders_3h"), "every order counted");
        assertEquals(Optional.of(Value.newBuilder().setDecimalValue("1E+5000")
                .build()), traits.get("revenue_3h"), "1e5000 + 1.5 to 34 digits; the numbers beyond 1e10000 left out");

        ProfileState ordinary = new ProfileState("q");
        engine.onEvent(ordinary, order("m5", T0 + 10, "0.1", "card"), T0 + 20);
        engine.onEvent(ordinary, order("m6", T0 + 11, "0.2", "card"), T0 + 20);
        engine.onEvent(ordinary, order("m7", T0 + 12, "123456789012345678901234567890.01", "card"), T0 + 20);
        assertEquals(Optional.of(Value.newBuilder().setDecimalValue("123456789012345678901234567890.31").build()),
                engine.recomputeTraits(ordinary, T0 + 20).get("revenue_3h"), "32 digits: still exact");

        // A state written before sums were bounded (a sum of 53,191 digits) is read back.
        ProfileState old = new ProfileState("r");
        ProfileState.Bucket bucket = new ProfileState.Bucket();
        bucket.count = 1;
        bucket.sums.put("total", new java.math.BigDecimal("1" + "0".repeat(53_190) + ".5"));
        old.events.computeIfAbsent("order", k -> new java.util.TreeMap<>()).put(T0, bucket);
        assertEquals(1, ProfileStateCodec.decode(ProfileStateCodec.encode(old)).events.get("order").get(T0).count);
    }

    @Test
    void a_merged_profile_has_the_computed_traits_of_all_its_events() {
        ProfileEngine engine = new ProfileEngine(catalog(DEFINITIONS), Duration.ofHours(1), Duration.ofHours(1),
                TestConsentPolicy.POLICY);
        ProfileState survivor = new ProfileState("a");
        ProfileState absorbed = new ProfileState("b");
        engine.onEvent(survivor, order("m1", T0, "10", "card"), T0);
        engine.onEvent(absorbed, order("m2", T0 + 5, "2.5", "cash"), T0 + 5);
        engine.recomputeTraits(survivor, T0 + 5);
        engine.merge(survivor, absorbed, T0 + 10, T0 + 10);
        Map<String, Optional<Value>> merged = engine.recomputeTraits(survivor, T0 + 10);
        assertEquals(Optional.of(integer(2)), merged.get("orders_3h"));
        assertEquals(Optional.of(Value.newBuilder().setDecimalValue("12.5").build()), merged.get("revenue_3h"));
        assertEquals(Optional.of(Value.newBuilder().setStringValue("cash").build()), merged.get("last_method_2h"));
    }

    @Test
    void a_computed_trait_with_a_comparison_or_a_duplicate_name_or_no_measure_is_refused_with_its_path() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(ContractViolationException.class, () -> catalog("""
                segments: []
                computed_traits:
                  - { name: orders, version: 1, event: order, within: 3h, count: { gte: 2 } }
                  - { name: orders, version: 1, event: order, within: 3h, count: {} }
                  - { name: spend, version: 1, event: order, within: 3h }
                """));
        String message = e.getMessage();
        assertTrue(message.contains("computed_traits[0].count.gte: a computed trait takes no comparison"), message);
        assertTrue(message.contains("computed_traits[1].name: 'orders' is defined twice"), message);
        assertTrue(message.contains("computed_traits[2]: a computed trait needs exactly one of count, sum, last"),
                message);
    }

    @Test
    void the_repository_defines_computed_traits_and_their_windows_count_for_retention() {
        SegmentCatalog catalog = SegmentDefinitionLoader.load(
                dev.cairn.platform.contracts.ContractSource.directory(java.nio.file.Path.of("../../contracts")),
                Duration.ofHours(1));
        assertTrue(catalog.computedTraits().stream().anyMatch(t -> t.name().equals("revenue_last_90_days")));
        assertEquals(Duration.ofDays(90), catalog.longestWindow());
    }
}
