package dev.cairn.ingest.service;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The tracking plan's "buf breaking": whether a new schema of the same event version could break a producer
 * (it now rejects events that passed) or a consumer (a property it reads may disappear or change type).
 * Breaking: removing or renaming a property, narrowing a type (including adding a type restriction), making a
 * property required, forbidding additional properties, adding or narrowing an enum. A breaking change needs a
 * new version of the event instead.
 */
public final class SchemaCompatibility {

    private SchemaCompatibility() {
    }

    /** The breaking changes from {@code before} to {@code after}, each with its JSON path; empty = compatible. */
    public static List<String> breakingChanges(JsonNode before, JsonNode after) {
        List<String> problems = new ArrayList<>();
        compare("$", before, after, problems);
        return problems;
    }

    private static void compare(String path, JsonNode before, JsonNode after, List<String> problems) {
        Set<String> typesBefore = types(before);
        Set<String> typesAfter = types(after);
        // No "type" means any type: going from any to some, or losing a type, narrows.
        boolean narrowed = !typesAfter.isEmpty() && (typesBefore.isEmpty() || !typesAfter.containsAll(typesBefore));
        if (narrowed) {
            problems.add(path + ": type narrowed from " + describe(typesBefore) + " to " + describe(typesAfter));
        }
        Set<String> requiredBefore = strings(before.path("required"));
        for (String r : strings(after.path("required"))) {
            if (!requiredBefore.contains(r)) {
                problems.add(path + "." + r + ": newly required");
            }
        }
        if (!before.path("additionalProperties").isBoolean() || before.path("additionalProperties").asBoolean(true)) {
            if (after.path("additionalProperties").isBoolean() && !after.path("additionalProperties").asBoolean()) {
                problems.add(path + ": additional properties newly forbidden");
            }
        }
        if (after.has("enum")) {
            Set<String> enumAfter = strings(after.path("enum"));
            if (!before.has("enum")) {
                problems.add(path + ": newly restricted to " + enumAfter);
            } else if (!enumAfter.containsAll(strings(before.path("enum")))) {
                problems.add(path + ": enum values removed");
            }
        }
        JsonNode propsBefore = before.path("properties");
        JsonNode propsAfter = after.path("properties");
        Iterator<String> names = propsBefore.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!propsAfter.has(name)) {
                problems.add(path + "." + name + ": removed (or renamed): consumers reading it would break");
            } else {
                compare(path + "." + name, propsBefore.get(name), propsAfter.get(name), problems);
            }
        }
        if (before.has("items") && after.has("items")) {
            compare(path + "[]", before.get("items"), after.get("items"), problems);
        }
    }

    private static Set<String> types(JsonNode schema) {
        JsonNode type = schema.path("type");
        Set<String> types = new HashSet<>();
        if (type.isTextual()) {
            types.add(type.asText());
        } else if (type.isArray()) {
            type.forEach(t -> types.add(t.asText()));
        }
        if (types.contains("number")) {
            types.add("integer");
        }
        return types;
    }

    private static String describe(Set<String> types) {
        return types.isEmpty() ? "any" : types.toString();
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> values = new HashSet<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
