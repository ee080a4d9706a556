package dev.cairn.segments.definition;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.ContractViolationException;

/**
 * Reads and validates contracts/segments/segments.yaml. Every problem is reported with its path in the file
 * (e.g. {@code segments[2].condition.all[1].within}), all at once, so a reviewer fixes a definition in one
 * go; the service refuses to start on any.
 */
public final class SegmentDefinitionLoader {

    public static final String FILE = "segments/segments.yaml";
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final Pattern DURATION = Pattern.compile("([1-9][0-9]{0,5})([smhd])");
    private static final Set<String> SEGMENT_KEYS = Set.of("id", "version", "purpose", "description", "condition");
    private static final Set<String> MEASURES = Set.of("count", "sum", "last");
    private static final Set<String> COMPUTED_KEYS = Set.of("name", "version", "description", "event", "within",
            "count", "sum", "last");

    private final Duration bucket;
    private final List<String> problems = new ArrayList<>();

    /** @param bucket the aggregation bucket: every window must be a whole number of buckets. */
    public SegmentDefinitionLoader(Duration bucket) {
        this.bucket = bucket;
    }

    public static SegmentCatalog load(ContractSource source, Duration bucket) {
        return new SegmentDefinitionLoader(bucket).parse(source.read(FILE), source.describe(FILE));
    }

    public SegmentCatalog parse(JsonNode root, String file) {
        problems.clear();
        List<SegmentDefinition> definitions = new ArrayList<>();
        if (root == null || !root.isObject()) {
            problems.add("the file must be a mapping with 'version' and 'segments'");
        } else if (!root.path("segments").isArray()) {
            problems.add("segments: must be a list of segment definitions");
        } else {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < root.get("segments").size(); i++) {
                String path = "segments[" + i + "]";
                SegmentDefinition d = segment(root.get("segments").get(i), path);
                if (d != null && !ids.add(d.id())) {
                    problems.add(path + ".id: '" + d.id() + "' is defined twice");
                }
                if (d != null) {
                    definitions.add(d);
                }
            }
        }
        List<ComputedTrait> computed = new ArrayList<>();
        if (root != null && root.has("computed_traits")) {
            if (!root.get("computed_traits").isArray()) {
                problems.add("computed_traits: must be a list of computed trait definitions");
            } else {
                Set<String> names = new HashSet<>();
                for (int i = 0; i < root.get("computed_traits").size(); i++) {
                    String path = "computed_traits[" + i + "]";
                    JsonNode node = root.get("computed_traits").get(i);
                    String name = node.path("name").asText("");
                    if (!name.isEmpty() && !names.add(name)) {
                        problems.add(path + ".name: '" + name + "' is defined twice");
                    }
                    ComputedTrait t = computedTrait(node, path);
                    if (t != null) {
                        computed.add(t);
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ContractViolationException(file, problems);
        }
        return new SegmentCatalog(definitions, computed);
    }

    private ComputedTrait computedTrait(JsonNode n, String path) {
        if (!n.isObject()) {
            problems.add(path + ": must be a mapping");
            return null;
        }
        int before = problems.size();
        unknownKeys(n, COMPUTED_KEYS, path);
        String name = text(n, "name", path);
        if (name != null && !ID.matcher(name).matches()) {
            problems.add(path + ".name: '" + name + "' must be lower snake case (a-z, 0-9, _), at most 64 characters");
        }
        long version = 0;
        if (!n.path("version").canConvertToExactIntegral() || n.path("version").asLong() < 1) {
            problems.add(path + ".version: required, a positive integer (raise it whenever the definition changes)");
        } else {
            version = n.get("version").asLong();
        }
        com.fasterxml.jackson.databind.node.ObjectNode aggregate = ((com.fasterxml.jackson.databind.node.ObjectNode) n)
                .deepCopy();
        aggregate.remove(List.of("name", "version", "description"));
        Condition aggregated = event(aggregate, path, false);
        if (problems.size() > before || !(aggregated instanceof Condition.EventCondition e)) {
            return null;
        }
        return new ComputedTrait(name, version, n.path("description").asText(""), e);
    }

    private SegmentDefinition segment(JsonNode n, String path) {
        if (!n.isObject()) {
            problems.add(path + ": must be a mapping");
            return null;
        }
        int before = problems.size();
        unknownKeys(n, SEGMENT_KEYS, path);
        String id = text(n, "id", path);
        if (id != null && !ID.matcher(id).matches()) {
            problems.add(path + ".id: '" + id + "' must be lower snake case (a-z, 0-9, _), at most 64 characters");
        }
        long version = 0;
        if (!n.path("version").canConvertToExactIntegral() || n.path("version").asLong() < 1) {
            problems.add(path + ".version: required, a positive integer (raise it whenever the definition changes)");
        } else {
            version = n.get("version").asLong();
        }
        String purpose = text(n, "purpose", path);
        if (purpose != null && !ID.matcher(purpose).matches()) {
            problems.add(path + ".purpose: '" + purpose + "' is not a consent purpose name (lower snake case)");
        }
        Condition condition = null;
        if (!n.has("condition")) {
            problems.add(path + ".condition: required");
        } else {
            condition = condition(n.get("condition"), path + ".condition");
        }
        if (problems.size() > before) {
            return null;
        }
        return new SegmentDefinition(id, version, purpose, n.path("description").asText(""), condition);
    }

    private Condition condition(JsonNode n, String path) {
        if (!n.isObject()) {
            problems.add(path + ": must be a mapping with one of all, any, not, trait, event");
            return null;
        }
        if (n.has("all") || n.has("any")) {
            String op = n.has("all") ? "all" : "any";
            unknownKeys(n, Set.of(op), path);
            JsonNode list = n.get(op);
            if (!list.isArray() || list.isEmpty()) {
                problems.add(path + "." + op + ": must be a non-empty list of conditions");
                return null;
            }
            List<Condition> children = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                children.add(condition(list.get(i), path + "." + op + "[" + i + "]"));
            }
            return op.equals("all") ? new Condition.All(children) : new Condition.Any(children);
        }
        if (n.has("not")) {
            unknownKeys(n, Set.of("not"), path);
            return new Condition.Not(condition(n.get("not"), path + ".not"));
        }
        if (n.has("trait")) {
            String trait = text(n, "trait", path);
            Set<String> allowed = new HashSet<>(Set.of("trait"));
            Comparison cmp = comparison(n, path, allowed);
            unknownKeys(n, allowed, path);
            return new Condition.TraitCondition(trait, cmp);
        }
        if (n.has("event")) {
            return event(n, path, true);
        }
        problems.add(path + ": a condition needs one of all, any, not, trait, event (found "
                + fieldNames(n) + ")");
        return null;
    }

    /**
     * An aggregate of an event in a window: with a comparison, an event condition; without ({@code withComparison}
     * false), what a computed trait reads.
     */
    private Condition event(JsonNode n, String path, boolean withComparison) {
        String event = text(n, "event", path);
        Duration within = null;
        String w = n.path("within").asText("");
        Matcher m = DURATION.matcher(w);
        if (!m.matches()) {
            problems.add(path + ".within: required, a duration like 12h or 30d (got '" + w + "')");
        } else {
            long amount = Long.parseLong(m.group(1));
            within = switch (m.group(2)) {
                case "d" -> Duration.ofDays(amount);
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofSeconds(amount);
            };
            if (within.toMillis() % bucket.toMillis() != 0) {
                problems.add(path + ".within: " + w + " is not a whole number of aggregation buckets (" + bucket + ")");
            }
        }
        List<String> measures = new ArrayList<>();
        n.fieldNames().forEachRemaining(f -> {
            if (MEASURES.contains(f)) {
                measures.add(f);
            }
        });
        unknownKeys(n, Set.of("event", "within", "count", "sum", "last"), path);
        if (measures.size() != 1) {
            problems.add(path + ": " + (withComparison ? "an event condition" : "a computed trait")
                    + " needs exactly one of count, sum, last (found " + measures + ")");
            return null;
        }
        String measureName = measures.get(0);
        JsonNode spec = n.get(measureName);
        String specPath = path + "." + measureName;
        if (!spec.isObject()) {
            problems.add(specPath + (withComparison
                    ? ": must be a mapping with a comparison, e.g. { gte: 2 }"
                    : ": must be a mapping: {} for count, { property: total } for sum and last"));
            return null;
        }
        Set<String> allowed = new HashSet<>();
        String property = null;
        if (!measureName.equals("count")) {
            property = text(spec, "property", specPath);
            allowed.add("property");
        }
        Comparison cmp = null;
        if (withComparison) {
            cmp = comparison(spec, specPath, allowed);
        } else {
            for (Comparison.Operator op : Comparison.Operator.values()) {
                if (spec.has(op.yamlName)) {
                    allowed.add(op.yamlName); // reported once, here, not again as an unknown key
                    problems.add(specPath + "." + op.yamlName + ": a computed trait takes no comparison; it is the "
                            + measureName + " itself (compare it in a segment's event condition)");
                }
            }
        }
        unknownKeys(spec, allowed, specPath);
        if (cmp != null && !measureName.equals("last") && !numeric(cmp)) {
            problems.add(specPath + ": " + measureName + " compares with a number (eq, ne, gt, gte, lt, lte, in)");
        }
        Condition.Measure measure = Condition.Measure.valueOf(measureName.toUpperCase());
        return new Condition.EventCondition(event, within, measure, property, cmp);
    }

    private static boolean numeric(Comparison cmp) {
        return cmp.operator() != Comparison.Operator.EXISTS
                && cmp.operands().stream().allMatch(Scalar::isNumber);
    }

    /** Finds exactly one comparison operator among n's fields; adds its key to {@code allowed}. */
    private Comparison comparison(JsonNode n, String path, Set<String> allowed) {
        List<Comparison.Operator> found = new ArrayList<>();
        for (Comparison.Operator op : Comparison.Operator.values()) {
            if (n.has(op.yamlName)) {
                found.add(op);
                allowed.add(op.yamlName);
            }
        }
        if (found.size() != 1) {
            problems.add(path + ": needs exactly one comparison of eq, ne, gt, gte, lt, lte, in, exists (found "
                    + found.stream().map(o -> o.yamlName).toList() + ")");
            return null;
        }
        Comparison.Operator op = found.get(0);
        JsonNode v = n.get(op.yamlName);
        String vPath = path + "." + op.yamlName;
        List<Scalar> operands = new ArrayList<>();
        if (op == Comparison.Operator.IN) {
            if (!v.isArray() || v.isEmpty()) {
                problems.add(vPath + ": must be a non-empty list of values");
                return null;
            }
            v.forEach(e -> operands.add(scalar(e, vPath)));
        } else if (op == Comparison.Operator.EXISTS) {
            if (!v.isBoolean()) {
                problems.add(vPath + ": must be true or false");
                return null;
            }
            operands.add(Scalar.of(v.asBoolean()));
        } else {
            operands.add(scalar(v, vPath));
        }
        if (operands.contains(null)) {
            return null;
        }
        boolean ordering = op == Comparison.Operator.GT || op == Comparison.Operator.GTE
                || op == Comparison.Operator.LT || op == Comparison.Operator.LTE;
        if (ordering && !operands.get(0).isNumber()) {
            problems.add(vPath + ": " + op.yamlName + " needs a number");
            return null;
        }
        return new Comparison(op, operands);
    }

    private Scalar scalar(JsonNode v, String path) {
        if (v.isNumber()) {
            return Scalar.of(new BigDecimal(v.asText()));
        }
        if (v.isTextual()) {
            return Scalar.of(v.asText());
        }
        if (v.isBoolean()) {
            return Scalar.of(v.asBoolean());
        }
        problems.add(path + ": must be a number, string or boolean");
        return null;
    }

    private String text(JsonNode n, String field, String path) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            problems.add(path + "." + field + ": required, a non-empty string");
            return null;
        }
        return v.asText();
    }

    private void unknownKeys(JsonNode n, Set<String> allowed, String path) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            String key = it.next().getKey();
            if (!allowed.contains(key)) {
                problems.add(
                        path + "." + key + ": unknown key (allowed here: " + allowed.stream().sorted().toList() + ")");
            }
        }
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
