package dev.cairn.ingest.service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.ContractViolationException;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;

/**
 * The tracking plan of contracts/tracking-plan/: every planned track event's versioned JSON Schema. Checks an
 * event's properties (and identify traits) and types each problem with its JSON path, so a producer can fix it
 * and an operator can re-drive it.
 */
public final class TrackingPlan {

    public static final String FILE = "tracking-plan/plan.yaml";
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    /** A schema with the reference that names it in violations, e.g. {@code Order Completed v1}. */
    record Versioned(String ref, JsonSchema schema) {
    }

    private final String planVersion;
    private final boolean unplannedIsViolation;
    private final Map<String, TreeMap<Integer, Versioned>> events;
    private final Optional<Versioned> traits;

    private TrackingPlan(String planVersion, boolean unplannedIsViolation,
            Map<String, TreeMap<Integer, Versioned>> events,
            Optional<Versioned> traits) {
        this.planVersion = planVersion;
        this.unplannedIsViolation = unplannedIsViolation;
        this.events = events;
        this.traits = traits;
    }

    public static TrackingPlan load(ContractSource contracts) {
        JsonNode root = contracts.read(FILE);
        List<String> problems = new ArrayList<>();
        if (root.path("version").asInt() != 1) {
            problems.add("version: must be 1");
        }
        String planVersion = root.path("plan_version").asText("");
        if (planVersion.isBlank()) {
            problems.add("plan_version: required (it is stamped on every event checked against this plan)");
        }
        String unplanned = root.path("unplanned_events").asText("violation");
        if (!unplanned.equals("violation") && !unplanned.equals("allow")) {
            problems.add("unplanned_events: must be violation or allow");
        }
        Map<String, TreeMap<Integer, Versioned>> events = new LinkedHashMap<>();
        JsonNode list = root.path("events");
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String name = e.path("name").asText("");
            String at = "events[" + i + "]";
            if (name.isBlank()) {
                problems.add(at + ".name: required");
                continue;
            }
            if (events.containsKey(name)) {
                problems.add(at + ".name: '" + name + "' is planned twice");
            }
            TreeMap<Integer, Versioned> versions = new TreeMap<>();
            JsonNode vs = e.path("versions");
            if (!vs.isArray() || vs.isEmpty()) {
                problems.add(at + ".versions: at least one version is required");
            }
            for (int j = 0; j < vs.size(); j++) {
                int version = vs.get(j).path("version").asInt(0);
                String file = vs.get(j).path("schema").asText("");
                String vat = at + ".versions[" + j + "]";
                if (version < 1) {
                    problems.add(vat + ".version: must be 1 or more");
                }
                schema(contracts, file, name + " v" + version, vat, problems)
                        .ifPresent(s -> versions.put(version, s));
            }
            events.put(name, versions);
        }
        Optional<Versioned> traits = Optional.empty();
        if (root.hasNonNull("traits_schema")) {
            traits = schema(contracts, root.path("traits_schema").asText(), "identify traits", "traits_schema",
                    problems);
        }
        if (!problems.isEmpty()) {
            throw new ContractViolationException(contracts.describe(FILE), problems);
        }
        return new TrackingPlan(planVersion, unplanned.equals("violation"), events, traits);
    }

    private static Optional<Versioned> schema(ContractSource contracts, String file, String ref, String at,
            List<String> problems) {
        String path = "tracking-plan/" + file;
        if (file.isBlank() || !contracts.exists(path)) {
            problems.add(at + ".schema: " + contracts.describe(path) + " does not exist");
            return Optional.empty();
        }
        try {
            JsonNode node = contracts.read(path);
            return Optional.of(new Versioned(ref, SCHEMAS.getSchema(node)));
        } catch (RuntimeException e) {
            problems.add(at + ".schema: " + path + " is not a valid JSON Schema: " + e.getMessage());
            return Optional.empty();
        }
    }

    public String version() {
        return planVersion;
    }

    public boolean planned(String eventName) {
        return events.containsKey(eventName);
    }

    /**
     * Checks one event against the plan.
     *
     * @param requestedVersion the schema version the event asks for (context.protocols.event_version), empty = latest
     */
    public List<Violation> check(EventInput event, Optional<Integer> requestedVersion) {
        if (event.getType() == EventType.EVENT_TYPE_IDENTIFY) {
            return traits.map(t -> validate(t, JsonValues.toJson(event.getTraits()), "$.traits")).orElse(List.of());
        }
        if (event.getType() != EventType.EVENT_TYPE_TRACK) {
            return List.of();
        }
        TreeMap<Integer, Versioned> versions = events.get(event.getEvent());
        if (versions == null || versions.isEmpty()) {
            return unplannedIsViolation
                    ? List.of(Violation.newBuilder().setType(ViolationType.VIOLATION_TYPE_UNPLANNED_EVENT)
                            .setJsonPath("$.event")
                            .setMessage("'" + event.getEvent() + "' is not in tracking plan " + planVersion)
                            .build())
                    : List.of();
        }
        Versioned schema = requestedVersion.map(versions::get).orElse(versions.lastEntry().getValue());
        if (schema == null) {
            return List.of(Violation.newBuilder().setType(ViolationType.VIOLATION_TYPE_UNPLANNED_EVENT)
                    .setJsonPath("$.context.protocols.event_version")
                    .setMessage("'" + event.getEvent() + "' has no version " + requestedVersion.get() + " in the plan")
                    .build());
        }
        return validate(schema, JsonValues.toJson(event.getProperties()), "$.properties");
    }

    /** The schema reference an event is checked against, for stamping on governed events. */
    public Optional<String> schemaRef(String eventName, Optional<Integer> requestedVersion) {
        TreeMap<Integer, Versioned> versions = events.get(eventName);
        if (versions == null || versions.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(requestedVersion.map(versions::get).orElse(versions.lastEntry().getValue()))
                .map(Versioned::ref);
    }

    private static List<Violation> validate(Versioned schema, JsonNode instance, String root) {
        List<Violation> violations = new ArrayList<>();
        schema.schema().validate(instance).stream()
                .sorted(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
                        .thenComparing(ValidationMessage::getType))
                .forEach(m -> violations.add(Violation.newBuilder().setType(typeOf(m.getType()))
                        .setJsonPath(path(root, m)).setMessage(m.getMessage()).setSchemaRef(schema.ref()).build()));
        return violations;
    }

    private static String path(String root, ValidationMessage m) {
        String location = m.getInstanceLocation().toString();
        String base = root + (location.equals("$") ? "" : location.substring(1));
        if (("required".equals(m.getType()) || "additionalProperties".equals(m.getType())) && m.getProperty() != null) {
            return base + "." + m.getProperty();
        }
        return base;
    }

    static ViolationType typeOf(String keyword) {
        return switch (keyword) {
            case "required" -> ViolationType.VIOLATION_TYPE_REQUIRED_MISSING;
            case "type" -> ViolationType.VIOLATION_TYPE_TYPE_MISMATCH;
            case "additionalProperties", "unevaluatedProperties" -> ViolationType.VIOLATION_TYPE_ADDITIONAL_PROPERTY;
            default -> ViolationType.VIOLATION_TYPE_CONSTRAINT;
        };
    }
}
