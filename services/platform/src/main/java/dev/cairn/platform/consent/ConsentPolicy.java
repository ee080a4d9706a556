package dev.cairn.platform.consent;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.ContractViolationException;

/**
 * The consent policy of {@code contracts/consent/policy.yaml}: purposes, jurisdictions and, per purpose and
 * jurisdiction, the legal basis and what applies when nothing was recorded. Immutable; loading validates the
 * whole file and reports every problem at once, so a service refuses to start on a bad policy instead of
 * deciding under a wrong one.
 */
public final class ConsentPolicy {

    public static final String FILE = "consent/policy.yaml";

    /** What applies to a purpose in a jurisdiction when the subject recorded nothing. */
    public enum Default {
        /** Deny until the subject grants. */
        OPT_IN,
        /** Allow until the subject withdraws. */
        OPT_OUT,
        /** Never allowed there, whatever was recorded (fail closed). */
        DENY
    }

    /** The rule for one purpose in one jurisdiction. */
    public record Rule(String basis, Default defaultWhenUnrecorded) {
    }

    /** A jurisdiction: its rules per purpose and the purposes a Sec-GPC signal opts out of. */
    public record Jurisdiction(String name, Map<String, Rule> rules, Set<String> gpcOptOut) {
    }

    private final String version;
    private final String defaultJurisdiction;
    private final Set<String> purposes;
    private final Map<String, Jurisdiction> jurisdictions;
    private final Set<String> legalBases;
    private final Map<String, List<String>> categoryPreferences;

    private ConsentPolicy(String version, String defaultJurisdiction, Set<String> purposes,
            Map<String, Jurisdiction> jurisdictions, Set<String> legalBases,
            Map<String, List<String>> categoryPreferences) {
        this.version = version;
        this.defaultJurisdiction = defaultJurisdiction;
        this.purposes = Set.copyOf(purposes);
        this.jurisdictions = Map.copyOf(jurisdictions);
        this.legalBases = Set.copyOf(legalBases);
        this.categoryPreferences = Map.copyOf(categoryPreferences);
    }

    /** Loads the policy from the contracts (a mounted directory or the packaged copy). */
    public static ConsentPolicy load(ContractSource source) {
        if (!source.exists(FILE)) {
            throw new ContractViolationException(source.describe(FILE), List.of("file not found"));
        }
        return parse(source.read(FILE), source.describe(FILE));
    }

    /** Parses and validates a policy document; {@code where} names it in error messages. */
    public static ConsentPolicy parse(JsonNode root, String where) {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new ContractViolationException(where, List.of("the policy must be a YAML mapping"));
        }
        String version = text(root, "version");
        if (version.isBlank()) {
            problems.add(
                    "version: required (a string naming this policy, e.g. \"2026-11-01\"); bump it with every rule change");
        }
        Set<String> purposes = new LinkedHashSet<>();
        JsonNode purposesNode = root.path("purposes");
        if (!purposesNode.isObject() || purposesNode.isEmpty()) {
            problems.add("purposes: required, a mapping of purpose name -> {description}");
        } else {
            purposesNode.fieldNames().forEachRemaining(p -> {
                if (!p.matches("[a-z][a-z0-9_]*")) {
                    problems.add("purposes." + p + ": purpose names are lower snake case");
                }
                purposes.add(p);
            });
        }
        Set<String> legalBases = new LinkedHashSet<>();
        root.path("legal_bases").forEach(b -> legalBases.add(b.asText()));
        if (legalBases.isEmpty()) {
            problems.add("legal_bases: required, the list of legal bases rules may name");
        }
        Map<String, Jurisdiction> jurisdictions = new LinkedHashMap<>();
        JsonNode jNode = root.path("jurisdictions");
        if (!jNode.isObject() || jNode.isEmpty()) {
            problems.add("jurisdictions: required, a mapping of jurisdiction -> {rules, gpc_opt_out}");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = jNode.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> j = it.next();
                String at = "jurisdictions." + j.getKey();
                Map<String, Rule> rules = new LinkedHashMap<>();
                JsonNode rulesNode = j.getValue().path("rules");
                if (!rulesNode.isObject()) {
                    problems.add(at + ".rules: required, a mapping of purpose -> {basis, default}");
                } else {
                    for (Iterator<Map.Entry<String, JsonNode>> r = rulesNode.fields(); r.hasNext();) {
                        Map.Entry<String, JsonNode> rule = r.next();
                        String ruleAt = at + ".rules." + rule.getKey();
                        if (!purposes.contains(rule.getKey())) {
                            problems.add(ruleAt + ": unknown purpose (declared purposes: " + purposes + ")");
                        }
                        String basis = text(rule.getValue(), "basis");
                        if (!legalBases.contains(basis)) {
                            problems.add(ruleAt + ".basis: '" + basis + "' is not one of legal_bases " + legalBases);
                        }
                        Optional<Default> d = parseDefault(text(rule.getValue(), "default"));
                        if (d.isEmpty()) {
                            problems.add(ruleAt + ".default: '" + text(rule.getValue(), "default")
                                    + "' must be opt_in, opt_out or deny");
                        }
                        rules.put(rule.getKey(), new Rule(basis, d.orElse(Default.DENY)));
                    }
                    for (String p : purposes) {
                        if (!rules.containsKey(p)) {
                            problems.add(at + ".rules: no rule for purpose '" + p
                                    + "' (write one, with default: deny if it must never be processed there)");
                        }
                    }
                }
                Set<String> gpc = new LinkedHashSet<>();
                j.getValue().path("gpc_opt_out").forEach(g -> {
                    if (!purposes.contains(g.asText())) {
                        problems.add(at + ".gpc_opt_out: unknown purpose '" + g.asText() + "'");
                    }
                    gpc.add(g.asText());
                });
                jurisdictions.put(j.getKey(), new Jurisdiction(j.getKey(), Map.copyOf(rules), Set.copyOf(gpc)));
            }
        }
        String defaultJurisdiction = text(root, "default_jurisdiction");
        if (!jurisdictions.containsKey(defaultJurisdiction)) {
            problems.add("default_jurisdiction: '" + defaultJurisdiction + "' is not a declared jurisdiction "
                    + jurisdictions.keySet());
        }
        Map<String, List<String>> categories = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("category_preferences").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> c = it.next();
            List<String> mapped = new ArrayList<>();
            c.getValue().forEach(p -> {
                if (!purposes.contains(p.asText())) {
                    problems.add("category_preferences." + c.getKey() + ": unknown purpose '" + p.asText() + "'");
                }
                mapped.add(p.asText());
            });
            if (mapped.isEmpty()) {
                problems.add("category_preferences." + c.getKey() + ": maps to no purpose");
            }
            categories.put(c.getKey(), List.copyOf(mapped));
        }
        if (!problems.isEmpty()) {
            throw new ContractViolationException(where, problems);
        }
        return new ConsentPolicy(version, defaultJurisdiction, purposes, jurisdictions, legalBases, categories);
    }

    /** The explicit policy version; every record and decision names it. */
    public String version() {
        return version;
    }

    public String defaultJurisdiction() {
        return defaultJurisdiction;
    }

    public Set<String> purposes() {
        return purposes;
    }

    public boolean isPurpose(String purpose) {
        return purposes.contains(purpose);
    }

    public Set<String> jurisdictions() {
        return jurisdictions.keySet();
    }

    public boolean isJurisdiction(String jurisdiction) {
        return jurisdictions.containsKey(jurisdiction);
    }

    public boolean isLegalBasis(String basis) {
        return legalBases.contains(basis);
    }

    /** The rule for a purpose in a jurisdiction; empty if either is unknown (callers fail closed). */
    public Optional<Rule> rule(String purpose, String jurisdiction) {
        Jurisdiction j = jurisdictions.get(jurisdiction);
        return j == null ? Optional.empty() : Optional.ofNullable(j.rules().get(purpose));
    }

    /** The jurisdiction applied when a caller names none: the given one if not blank, else the default. */
    public String jurisdictionOrDefault(String jurisdiction) {
        return jurisdiction == null || jurisdiction.isBlank() ? defaultJurisdiction : jurisdiction;
    }

    /** The purposes a Sec-GPC: 1 signal opts out of in a jurisdiction (empty where it means nothing). */
    public Set<String> gpcOptOut(String jurisdiction) {
        Jurisdiction j = jurisdictions.get(jurisdiction);
        return j == null ? Set.of() : j.gpcOptOut();
    }

    /** The purposes a Segment categoryPreferences category covers; empty for an unmapped category. */
    public List<String> purposesOfCategory(String category) {
        return categoryPreferences.getOrDefault(category, List.of());
    }

    public Map<String, List<String>> categoryPreferences() {
        return categoryPreferences;
    }

    private static Optional<Default> parseDefault(String value) {
        return switch (value) {
            case "opt_in" -> Optional.of(Default.OPT_IN);
            case "opt_out" -> Optional.of(Default.OPT_OUT);
            case "deny" -> Optional.of(Default.DENY);
            default -> Optional.empty();
        };
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isValueNode() ? v.asText() : "";
    }
}
