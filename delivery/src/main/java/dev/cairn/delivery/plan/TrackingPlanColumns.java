package dev.cairn.delivery.plan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cairn.delivery.connect.ColumnType;
import dev.cairn.delivery.connect.PropertyColumn;

/**
 * The typed property columns of a destination's table, from the tracking plan (contracts/tracking-plan): one column
 * per property any planned event version declares, typed as its JSON Schema says. A property typed differently by two
 * events (or by one, as {@code ["string", "integer"]}) becomes the widest type both fit: integer and number make a
 * number, anything else a string. Columns are only ever added as the plan grows (the plan's own compatibility check
 * forbids narrowing a type), which is what the sink's schema evolution can follow.
 */
final class TrackingPlanColumns {

    private static final String PLAN = "tracking-plan/plan.yaml";

    private TrackingPlanColumns() {
    }

    static List<PropertyColumn> derive(Path contractsDir) {
        JsonNode plan = DeliveryPlan.read(contractsDir.resolve(PLAN));
        Map<String, ColumnType> types = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode event : plan.path("events")) {
            for (JsonNode version : event.path("versions")) {
                String schemaFile = version.path("schema").asText();
                JsonNode schema = DeliveryPlan.read(contractsDir.resolve("tracking-plan").resolve(schemaFile));
                for (Map.Entry<String, JsonNode> p : schema.path("properties").properties()) {
                    try {
                        new PropertyColumn(p.getKey(), ColumnType.STRING); // checks the name
                    } catch (IllegalArgumentException e) {
                        problems.add(schemaFile + ": " + e.getMessage());
                        continue;
                    }
                    types.merge(p.getKey(), columnType(p.getValue().path("type")), TrackingPlanColumns::widest);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidDeliveryPlanException(contractsDir.resolve(PLAN).toString(), problems);
        }
        List<PropertyColumn> columns = new ArrayList<>();
        types.forEach((name, type) -> columns.add(new PropertyColumn(name, type)));
        return columns;
    }

    static ColumnType columnType(JsonNode type) {
        Set<ColumnType> types = new TreeSet<>();
        if (type.isArray()) {
            type.forEach(t -> types.add(single(t.asText())));
        } else {
            types.add(single(type.asText("")));
        }
        return types.stream().reduce(TrackingPlanColumns::widest).orElse(ColumnType.STRING);
    }

    private static ColumnType single(String jsonSchemaType) {
        return switch (jsonSchemaType) {
            case "integer" -> ColumnType.INTEGER;
            case "number" -> ColumnType.NUMBER;
            case "boolean" -> ColumnType.BOOLEAN;
            case "object", "array" -> ColumnType.JSON;
            // string, and an untyped property: its value as text (JSON text unless it is a string)
            default -> ColumnType.STRING;
        };
    }

    static ColumnType widest(ColumnType a, ColumnType b) {
        if (a == b) {
            return a;
        }
        Set<ColumnType> both = Set.of(a, b);
        if (both.equals(Set.of(ColumnType.INTEGER, ColumnType.NUMBER))) {
            return ColumnType.NUMBER;
        }
        return ColumnType.STRING;
    }
}
