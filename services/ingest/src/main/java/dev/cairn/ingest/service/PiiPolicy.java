package dev.cairn.ingest.service;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.ContractViolationException;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;

/**
 * PII policy as code (contracts/ingest/destinations.yaml): where personal data lives in an event, and what each
 * destination may carry of it. {@link #apply} returns the copy of an event that one destination is allowed to
 * see; pseudonyms are keyed HMAC-SHA256, stable across destinations so joins still work.
 */
public final class PiiPolicy {

    public static final String FILE = "ingest/destinations.yaml";

    /** A place personal data lives: the top-level map (properties, traits, context) and the path inside it. */
    record Field(String root, List<String> path, String piiClass) {
    }

    private final List<Field> fields;
    private final List<Destination> destinations;
    private final byte[] hashingKey;

    private PiiPolicy(List<Field> fields, List<Destination> destinations, byte[] hashingKey) {
        this.fields = fields;
        this.destinations = destinations;
        this.hashingKey = hashingKey;
    }

    public static PiiPolicy load(ContractSource contracts, Set<String> knownTopics, Set<String> knownPurposes,
            byte[] hashingKey) {
        JsonNode root = contracts.read(FILE);
        List<String> problems = new ArrayList<>();
        if (hashingKey.length < 16) {
            problems.add("the PII hashing key (a secret outside contracts/) must be at least 16 bytes");
        }
        List<String> classes = new ArrayList<>();
        root.path("pii").path("classes").forEach(c -> classes.add(c.asText()));
        List<Field> fields = new ArrayList<>();
        JsonNode fieldList = root.path("pii").path("fields");
        for (int i = 0; i < fieldList.size(); i++) {
            String path = fieldList.get(i).path("path").asText("");
            String cls = fieldList.get(i).path("class").asText("");
            String[] parts = path.split("\\.");
            if (parts.length < 2 || !Set.of("properties", "traits", "context").contains(parts[0])) {
                problems.add("pii.fields[" + i + "].path: '" + path
                        + "' must start with properties., traits. or context. and name a field");
            }
            if (!classes.contains(cls)) {
                problems.add("pii.fields[" + i + "].class: '" + cls + "' is not one of pii.classes " + classes);
            }
            fields.add(new Field(parts[0], List.of(parts).subList(1, parts.length), cls));
        }
        List<Destination> destinations = new ArrayList<>();
        JsonNode list = root.path("destinations");
        for (int i = 0; i < list.size(); i++) {
            JsonNode d = list.get(i);
            String at = "destinations[" + i + "]";
            String topic = d.path("topic").asText("");
            if (!knownTopics.contains(topic)) {
                problems.add(at + ".topic: '" + topic + "' is not in the topic catalogue (contracts/topics.yaml)");
            }
            List<String> purposes = new ArrayList<>();
            d.path("purposes").forEach(p -> purposes.add(p.asText()));
            if (purposes.isEmpty()) {
                problems.add(at + ".purposes: a destination serves at least one consent purpose");
            }
            for (String p : purposes) {
                if (!knownPurposes.contains(p)) {
                    problems.add(at + ".purposes: '" + p + "' is not a purpose of contracts/consent/policy.yaml");
                }
            }
            Map<String, Destination.PiiAction> actions = new LinkedHashMap<>();
            d.path("pii").fields().forEachRemaining(e -> {
                if (!classes.contains(e.getKey())) {
                    problems.add(at + ".pii." + e.getKey() + ": not a PII class");
                }
                try {
                    actions.put(e.getKey(), Destination.PiiAction.valueOf(e.getValue().asText("").toUpperCase()));
                } catch (IllegalArgumentException ex) {
                    problems.add(at + ".pii." + e.getKey() + ": '" + e.getValue().asText()
                            + "' must be keep, pseudonymize or drop");
                }
            });
            destinations
                    .add(new Destination(d.path("name").asText(), topic, List.copyOf(purposes), Map.copyOf(actions)));
        }
        if (destinations.stream().noneMatch(d -> d.topic().equals(EventIngestor.GOVERNED_TOPIC))) {
            problems.add("destinations: the governed topic " + EventIngestor.GOVERNED_TOPIC + " must be a destination");
        }
        if (!problems.isEmpty()) {
            throw new ContractViolationException(contracts.describe(FILE), problems);
        }
        return new PiiPolicy(List.copyOf(fields), List.copyOf(destinations), hashingKey.clone());
    }

    public List<Destination> destinations() {
        return destinations;
    }

    /** The event as {@code destination} may see it. */
    public Event apply(Event event, Destination destination) {
        Event.Builder b = event.toBuilder();
        for (Field f : fields) {
            Destination.PiiAction action = destination.actionFor(f.piiClass());
            if (action == Destination.PiiAction.KEEP) {
                continue;
            }
            switch (f.root()) {
                case "properties" -> b.setProperties(rewrite(b.getProperties(), f.path(), action));
                case "traits" -> b.setTraits(rewrite(b.getTraits(), f.path(), action));
                default -> b.setContext(rewrite(b.getContext(), f.path(), action));
            }
        }
        return b.build();
    }

    private MapValue rewrite(MapValue map, List<String> path, Destination.PiiAction action) {
        String key = path.get(0);
        Value value = map.getFieldsMap().get(key);
        if (value == null) {
            return map;
        }
        if (path.size() > 1) {
            if (!value.hasMapValue()) {
                return map;
            }
            return map.toBuilder().putFields(key, Value.newBuilder()
                    .setMapValue(rewrite(value.getMapValue(), path.subList(1, path.size()), action)).build()).build();
        }
        if (action == Destination.PiiAction.DROP) {
            return map.toBuilder().removeFields(key).build();
        }
        return map.toBuilder().putFields(key, Value.newBuilder().setStringValue(pseudonym(value)).build()).build();
    }

    /** {@code hmac-sha256:<hex>} of the value's canonical text (strings as is, others as JSON). */
    public String pseudonym(Value value) {
        String text = value.hasStringValue() ? value.getStringValue() : JsonValues.toJson(value).toString();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(hashingKey, "HmacSHA256"));
            return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
