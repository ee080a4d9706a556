package dev.cairn.ingest.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.TopicCatalog;
import dev.cairn.platform.contracts.TopicSpec;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.ListValue;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * For random events with personal data at every classified path (and random other content around it), a
 * destination whose policy drops or pseudonymizes a class never receives that class's values in clear,
 * anywhere in its bytes; and kept values are untouched.
 */
class PiiPolicyPropertiesTest {

    private static final ContractSource CONTRACTS = ContractSource.packaged();
    private static final PiiPolicy POLICY = PiiPolicy.load(CONTRACTS,
            TopicCatalog.load(CONTRACTS).topics().stream().map(TopicSpec::name).collect(Collectors.toSet()),
            Set.of("analytics", "personalization", "marketing_email", "sms", "advertising"),
            "property-test-hashing-key-32-bytes!".getBytes(StandardCharsets.UTF_8));

    /** The classified paths, read from the contract itself so the test follows the policy as it changes. */
    record PiiPath(String root, List<String> path, String piiClass) {
    }

    static List<PiiPath> paths() throws Exception {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(
                PiiPolicyPropertiesTest.class.getClassLoader()
                        .getResourceAsStream("cairn-contracts/" + PiiPolicy.FILE));
        List<PiiPath> paths = new ArrayList<>();
        root.path("pii").path("fields").forEach(f -> {
            String[] parts = f.path("path").asText().split("\\.");
            paths.add(new PiiPath(parts[0], List.of(parts).subList(1, parts.length), f.path("class").asText()));
        });
        return paths;
    }

    /** A personal value, marked so it can be found in serialized bytes; never produced by the filler. */
    @Provide
    Arbitrary<List<String>> personalValues() throws Exception {
        int n = paths().size();
        return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(6).ofMaxLength(20)
                .map(s -> "PII#" + s + "@example.com").list().uniqueElements().ofSize(n);
    }

    @Provide
    Arbitrary<Value> filler() {
        Arbitrary<Value> scalar = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('0', '9').ofMaxLength(12)
                        .map(s -> Value.newBuilder().setStringValue(s).build()),
                Arbitraries.longs().map(l -> Value.newBuilder().setIntValue(l).build()),
                Arbitraries.of(true, false).map(b -> Value.newBuilder().setBoolValue(b).build()));
        return Combinators.combine(scalar.list().ofMaxSize(4), scalar)
                .as((list, one) -> Value.newBuilder()
                        .setListValue(ListValue.newBuilder().addAllValues(list).addValues(one))
                        .build());
    }

    @Property(tries = 300)
    void dropped_and_pseudonymized_classes_never_reach_a_destination_in_clear(
            @ForAll("personalValues") List<String> personal, @ForAll("filler") Value filler,
            @ForAll("filler") Value filler2) throws Exception {
        List<PiiPath> paths = paths();
        Event.Builder event = Event.newBuilder().setMessageId("m1").setUserId("u1")
                .setProperties(MapValue.newBuilder().putFields("noise", filler))
                .setTraits(MapValue.newBuilder().putFields("noise", filler2));
        for (int i = 0; i < paths.size(); i++) {
            place(event, paths.get(i), personal.get(i));
        }
        Event original = event.build();
        for (Destination d : POLICY.destinations()) {
            Event out = POLICY.apply(original, d);
            String bytes = new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
            for (int i = 0; i < paths.size(); i++) {
                Destination.PiiAction action = d.actionFor(paths.get(i).piiClass());
                String value = personal.get(i);
                if (action == Destination.PiiAction.KEEP) {
                    continue;
                }
                assertFalse(bytes.contains(value), d.name() + " received " + paths.get(i) + " in clear");
                if (action == Destination.PiiAction.PSEUDONYMIZE) {
                    String pseudonym = POLICY.pseudonym(Value.newBuilder().setStringValue(value).build());
                    assertTrue(bytes.contains(pseudonym), d.name() + " gets the stable pseudonym of " + paths.get(i));
                }
            }
            assertEquals(original.getProperties().getFieldsMap().get("noise"),
                    out.getProperties().getFieldsMap().get("noise"), "unclassified data is untouched");
        }
    }

    private static void place(Event.Builder event, PiiPath p, String value) {
        MapValue root = switch (p.root()) {
            case "properties" -> event.getProperties();
            case "traits" -> event.getTraits();
            default -> event.getContext();
        };
        MapValue updated = put(root, p.path(), Value.newBuilder().setStringValue(value).build());
        switch (p.root()) {
            case "properties" -> event.setProperties(updated);
            case "traits" -> event.setTraits(updated);
            default -> event.setContext(updated);
        }
    }

    private static MapValue put(MapValue map, List<String> path, Value value) {
        if (path.size() == 1) {
            return map.toBuilder().putFields(path.get(0), value).build();
        }
        Value child = map.getFieldsMap().get(path.get(0));
        MapValue inner = child != null && child.hasMapValue() ? child.getMapValue() : MapValue.getDefaultInstance();
        return map.toBuilder().putFields(path.get(0),
                Value.newBuilder().setMapValue(put(inner, path.subList(1, path.size()), value)).build()).build();
    }

    @Property(tries = 50)
    void pseudonyms_are_stable_so_joins_still_work(@ForAll("personalValues") List<String> values) {
        Value v = Value.newBuilder().setStringValue(values.get(0)).build();
        assertEquals(POLICY.pseudonym(v), POLICY.pseudonym(v));
    }
}
