package dev.cairn.identity.rules;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The identity rules of contracts/identity/rules.yaml, validated. Immutable; {@link IdentityRulesLoader}
 * builds it.
 */
public record IdentityRules(Map<String, NamespaceRule> namespaces, List<BlockedRule> blocked,
        String defaultCountryCode, MergeCaps mergeCaps, int strongPriority) {

    /** Priority of a namespace without one: every namespace but user_id is 5 unless the contract says otherwise. */
    public static final int DEFAULT_PRIORITY = 5;

    /** How values of a namespace are normalized before they link. */
    public enum Normalization {
        NONE, EMAIL, PHONE
    }

    /**
     * One namespace: its priority (1 strongest), its limit per profile, the optional window the limit counts
     * in, how its values are normalized, and whether an identifier of it that is seen with two profiles that
     * cannot merge becomes ambiguous (shared devices, SDK anonymous ids that never reset).
     */
    public record NamespaceRule(String name, int priority, OptionalInt limit, Optional<Duration> window,
            Normalization normalization, boolean sharedBecomesAmbiguous) {
    }

    /** A blocked value: a whole-value, case-insensitive regex, for every namespace or only the listed ones. */
    public record BlockedRule(String name, Pattern pattern, Set<String> namespaces) {

        public boolean blocks(String namespace, String value) {
            return (namespaces.isEmpty() || namespaces.contains(namespace)) && pattern.matcher(value).matches();
        }
    }

    /** Caps beyond which a merge is held for review instead of applied. */
    public record MergeCaps(int maxProfilesPerEvent, int maxProfileSize) {
    }

    public boolean knows(String namespace) {
        return namespaces.containsKey(namespace);
    }

    public NamespaceRule namespace(String name) {
        NamespaceRule rule = namespaces.get(name);
        if (rule == null) {
            throw new IllegalArgumentException("namespace not declared in contracts/identity/rules.yaml: " + name);
        }
        return rule;
    }

    /**
     * Whether identifiers of the namespace name one person (user_id, email, crm_id): priority at most
     * {@code weak_links.strong_priority} and never shared. A weak identifier never joins two of them.
     */
    public boolean strong(String namespace) {
        NamespaceRule rule = namespaces.get(namespace);
        return rule != null && !rule.sharedBecomesAmbiguous() && rule.priority() <= strongPriority;
    }

    public int priority(String namespace) {
        NamespaceRule rule = namespaces.get(namespace);
        return rule == null ? DEFAULT_PRIORITY : rule.priority();
    }
}
