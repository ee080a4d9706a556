package dev.cairn.identity.rules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cairn.identity.rules.IdentityRules.BlockedRule;
import dev.cairn.identity.rules.IdentityRules.MergeCaps;
import dev.cairn.identity.rules.IdentityRules.NamespaceRule;
import dev.cairn.identity.rules.IdentityRules.Normalization;
import dev.cairn.platform.contracts.ContractSource;

/**
 * Reads and validates contracts/identity/rules.yaml. Every problem is collected and reported at once, so a
 * reviewer fixing the file sees the whole list; an unknown key is a problem too (a typo must not silently
 * switch a rule off).
 */
public final class IdentityRulesLoader {

    public static final String PATH = "identity/rules.yaml";

    private static final Pattern NAMESPACE = Pattern.compile("^[a-z][a-z0-9_]*$");
    private static final Pattern DURATION = Pattern.compile("^(\\d+)([dhm])$");
    private static final Set<String> NAMESPACE_KEYS = Set.of("priority", "limit", "window", "normalize", "shared");
    private static final Set<String> TOP_KEYS = Set.of("version", "namespaces", "normalization", "blocked",
            "merge_caps", "weak_links");

    /** user_id (1) and email/crm_id (2) are strong unless the contract says otherwise. */
    static final int DEFAULT_STRONG_PRIORITY = 2;

    private IdentityRulesLoader() {
    }

    public static IdentityRules load(ContractSource source) {
        return parse(source.read(PATH), source.describe(PATH));
    }

    public static IdentityRules parse(JsonNode root, String describedAs) {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new InvalidRulesException(describedAs, List.of("the file must be a mapping"));
        }
        unknownKeys(root, TOP_KEYS, "", problems);
        if (root.path("version").asInt(0) != 1) {
            problems.add("version: must be 1");
        }
        Map<String, NamespaceRule> namespaces = namespaces(root.path("namespaces"), problems);
        String countryCode = root.path("normalization").path("phone").path("default_country_code").asText("");
        if (!countryCode.isEmpty() && !countryCode.matches("^[1-9]\\d{0,2}$")) {
            problems.add("normalization.phone.default_country_code: 1 to 3 digits, no leading zero or +");
        }
        List<BlockedRule> blocked = blocked(root.path("blocked"), namespaces, problems);
        MergeCaps caps = caps(root.path("merge_caps"), problems);
        int strongPriority = strongPriority(root.path("weak_links"), namespaces, problems);
        if (!problems.isEmpty()) {
            throw new InvalidRulesException(describedAs, problems);
        }
        return new IdentityRules(Map.copyOf(namespaces), List.copyOf(blocked), countryCode, caps, strongPriority);
    }

    private static Map<String, NamespaceRule> namespaces(JsonNode node, List<String> problems) {
        Map<String, NamespaceRule> result = new LinkedHashMap<>();
        if (!node.isObject() || node.isEmpty()) {
            problems.add("namespaces: must declare at least one namespace");
            return result;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String at = "namespaces." + name;
            JsonNode ns = e.getValue().isNull()
                    ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                    : e.getValue();
            if (!NAMESPACE.matcher(name).matches()) {
                problems.add(at + ": a namespace is lower snake case");
            }
            if (ns.isObject()) {
                unknownKeys(ns, NAMESPACE_KEYS, at + ".", problems);
            }
            int priority = ns.path("priority").asInt(IdentityRules.DEFAULT_PRIORITY);
            if (priority < 1 || priority > 10) {
                problems.add(at + ".priority: 1 (strongest) to 10");
            }
            OptionalInt limit = OptionalInt.empty();
            if (ns.has("limit")) {
                if (!ns.get("limit").canConvertToInt() || ns.get("limit").asInt() < 1) {
                    problems.add(at + ".limit: a positive integer");
                } else {
                    limit = OptionalInt.of(ns.get("limit").asInt());
                }
            }
            Optional<Duration> window = Optional.empty();
            if (ns.has("window")) {
                window = duration(ns.get("window").asText(), at + ".window", problems);
                if (limit.isEmpty()) {
                    problems.add(at + ".window: only meaningful with a limit");
                }
            }
            Normalization normalization = Normalization.NONE;
            if (ns.has("normalize")) {
                switch (ns.get("normalize").asText()) {
                    case "email" -> normalization = Normalization.EMAIL;
                    case "phone" -> normalization = Normalization.PHONE;
                    default -> problems.add(at + ".normalize: email or phone");
                }
            }
            boolean ambiguous = false;
            if (ns.has("shared")) {
                if ("ambiguous".equals(ns.get("shared").asText())) {
                    ambiguous = true;
                } else {
                    problems.add(at + ".shared: the only value is ambiguous");
                }
            }
            result.put(name, new NamespaceRule(name, priority, limit, window, normalization, ambiguous));
        }
        if (!result.containsKey("user_id") || !result.containsKey("anonymous_id")) {
            problems.add("namespaces: user_id and anonymous_id must be declared (ingest always sends them)");
        }
        return result;
    }

    private static List<BlockedRule> blocked(JsonNode node, Map<String, NamespaceRule> namespaces,
            List<String> problems) {
        List<BlockedRule> result = new ArrayList<>();
        if (node.isMissingNode()) {
            return result;
        }
        if (!node.isArray()) {
            problems.add("blocked: must be a list");
            return result;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode rule = node.get(i);
            String at = "blocked[" + i + "]";
            unknownKeys(rule, Set.of("name", "pattern", "namespaces"), at + ".", problems);
            String name = rule.path("name").asText("");
            if (!NAMESPACE.matcher(name).matches()) {
                problems.add(at + ".name: required, lower snake case");
            } else if (!names.add(name)) {
                problems.add(at + ".name: duplicate " + name);
            }
            Pattern pattern = null;
            try {
                pattern = Pattern.compile(rule.path("pattern").asText(""), Pattern.CASE_INSENSITIVE);
                if (rule.path("pattern").asText("").isEmpty()) {
                    problems.add(at + ".pattern: required");
                }
            } catch (PatternSyntaxException e) {
                problems.add(at + ".pattern: not a valid regular expression: " + e.getDescription());
            }
            Set<String> scope = new HashSet<>();
            for (JsonNode ns : rule.path("namespaces")) {
                if (!namespaces.containsKey(ns.asText())) {
                    problems.add(at + ".namespaces: " + ns.asText() + " is not declared under namespaces");
                }
                scope.add(ns.asText());
            }
            if (pattern != null) {
                result.add(new BlockedRule(name, pattern, Set.copyOf(scope)));
            }
        }
        return result;
    }

    private static MergeCaps caps(JsonNode node, List<String> problems) {
        unknownKeys(node, Set.of("max_profiles_per_event", "max_profile_size"), "merge_caps.", problems);
        int perEvent = node.path("max_profiles_per_event").asInt(3);
        int size = node.path("max_profile_size").asInt(50);
        if (perEvent < 2) {
            problems.add("merge_caps.max_profiles_per_event: at least 2 (a merge joins two profiles)");
        }
        if (size < 2) {
            problems.add("merge_caps.max_profile_size: at least 2");
        }
        return new MergeCaps(perEvent, size);
    }

    private static int strongPriority(JsonNode node, Map<String, NamespaceRule> namespaces, List<String> problems) {
        unknownKeys(node, Set.of("strong_priority"), "weak_links.", problems);
        JsonNode value = node.path("strong_priority");
        int strongPriority = DEFAULT_STRONG_PRIORITY;
        if (!value.isMissingNode()) {
            if (!value.canConvertToInt() || value.asInt() < 1 || value.asInt() > 10) {
                problems.add("weak_links.strong_priority: 1 to 10 (namespaces of at most this priority are strong)");
                return DEFAULT_STRONG_PRIORITY;
            }
            strongPriority = value.asInt();
        }
        // A strong namespace that is also shared would be both the evidence and the suspect: refuse it.
        for (NamespaceRule ns : namespaces.values()) {
            if (ns.sharedBecomesAmbiguous() && ns.priority() <= strongPriority) {
                problems.add("namespaces." + ns.name() + ": shared: ambiguous needs a priority above"
                        + " weak_links.strong_priority (" + strongPriority + ")");
            }
        }
        return strongPriority;
    }

    private static Optional<Duration> duration(String text, String at, List<String> problems) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            problems.add(at + ": a duration such as 90d, 12h or 30m");
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        return Optional.of(switch (m.group(2)) {
            case "d" -> Duration.ofDays(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofMinutes(n);
        });
    }

    private static void unknownKeys(JsonNode node, Set<String> known, String at, List<String> problems) {
        if (!node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!known.contains(key)) {
                problems.add(at + key + ": unknown key");
            }
        }
    }
}
