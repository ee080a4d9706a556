package dev.cairn.platform.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.ContractViolationException;

class ConsentPolicyTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void the_packaged_policy_loads_with_an_explicit_version_and_every_jurisdiction() {
        ConsentPolicy policy = ConsentPolicy.load(ContractSource.packaged());
        assertFalse(policy.version().isBlank());
        assertEquals(Set.of("EU", "UK", "US-CA", "default"), policy.jurisdictions());
        assertEquals(ConsentPolicy.Default.OPT_IN,
                policy.rule("analytics", "EU").orElseThrow().defaultWhenUnrecorded());
        assertEquals(ConsentPolicy.Default.OPT_OUT,
                policy.rule("analytics", "US-CA").orElseThrow().defaultWhenUnrecorded());
        assertEquals(Set.of("advertising"), policy.gpcOptOut("US-CA"));
        assertEquals(Set.of(), policy.gpcOptOut("EU"));
        assertEquals(List.of("advertising"), policy.purposesOfCategory("Advertising"));
        assertTrue(policy.rule("analytics", "Mars").isEmpty(),
                "an unknown jurisdiction has no rule: callers fail closed");
    }

    @Test
    void a_policy_with_unknown_purposes_bases_and_defaults_is_refused_naming_every_problem() throws Exception {
        String yaml = """
                version: ""
                default_jurisdiction: nowhere
                purposes: { analytics: {}, sms: {} }
                legal_bases: [consent]
                jurisdictions:
                  EU:
                    gpc_opt_out: [selling]
                    rules:
                      analytics: { basis: vibes, default: maybe }
                      marketing: { basis: consent, default: opt_in }
                category_preferences:
                  Ads: [advertising]
                """;
        ContractViolationException e = assertThrows(ContractViolationException.class,
                () -> ConsentPolicy.parse(YAML.readTree(yaml), "test.yaml"));
        String all = String.join("\n", e.problems());
        for (String expected : List.of("version: required", "default_jurisdiction: 'nowhere'",
                "jurisdictions.EU.rules.analytics.basis: 'vibes'", "jurisdictions.EU.rules.analytics.default: 'maybe'",
                "jurisdictions.EU.rules.marketing: unknown purpose", "no rule for purpose 'sms'",
                "gpc_opt_out: unknown purpose 'selling'", "category_preferences.Ads: unknown purpose 'advertising'")) {
            assertTrue(all.contains(expected), "expected a problem mentioning <" + expected + "> in:\n" + all);
        }
    }
}
