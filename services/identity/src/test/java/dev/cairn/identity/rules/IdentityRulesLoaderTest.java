package dev.cairn.identity.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.cairn.platform.contracts.ContractSource;

public class IdentityRulesLoaderTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public static IdentityRules repositoryRules() {
        return IdentityRulesLoader.load(ContractSource.directory(Path.of("../../contracts")));
    }

    @Test
    void the_reviewed_rules_file_is_valid_and_says_what_the_issue_asks() {
        IdentityRules rules = repositoryRules();
        assertEquals(1, rules.priority("user_id"), "user_id is the strongest namespace");
        assertEquals(5, rules.priority("anonymous_id"));
        assertEquals(1, rules.namespace("user_id").limit().getAsInt(), "a profile holds one user_id");
        assertTrue(rules.namespace("device_id").sharedBecomesAmbiguous());
        assertTrue(rules.namespace("anonymous_id").sharedBecomesAmbiguous());
        assertEquals(Duration.ofDays(90), rules.namespace("device_id").window().get());
        assertTrue(rules.blocked().stream().anyMatch(b -> b.name().equals("zeros")));
        assertTrue(rules.mergeCaps().maxProfilesPerEvent() >= 2);
        assertTrue(rules.strong("user_id") && rules.strong("email") && rules.strong("crm_id"));
        assertFalse(rules.strong("phone") || rules.strong("device_id") || rules.strong("anonymous_id"));
        assertTrue(rules.namespace("phone").sharedBecomesAmbiguous(), "phone numbers are recycled and shared");
    }

    @Test
    void a_shared_namespace_cannot_be_strong_and_the_threshold_is_checked() {
        InvalidRulesException e = assertThrows(InvalidRulesException.class, () -> parse("""
                version: 1
                namespaces:
                  user_id: {priority: 1, limit: 1}
                  anonymous_id: {priority: 2, shared: ambiguous}
                weak_links: {strong_priority: 2, typo: 1}
                """));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("namespaces.anonymous_id: shared: ambiguous needs a priority above"), all);
        assertTrue(all.contains("weak_links.typo: unknown key"), all);
        e = assertThrows(InvalidRulesException.class, () -> parse("""
                version: 1
                namespaces:
                  user_id: {priority: 1}
                  anonymous_id: {}
                weak_links: {strong_priority: 0}
                """));
        assertTrue(e.problems().get(0).startsWith("weak_links.strong_priority"), e.problems().toString());
    }

    @Test
    void every_problem_is_reported_at_once() {
        InvalidRulesException e = assertThrows(InvalidRulesException.class, () -> parse("""
                version: 2
                namespaces:
                  user_id: {priority: 0, limit: -1}
                  Bad-Name: {}
                  device_id: {window: 90x, shared: sometimes, normalize: upper}
                blocked:
                  - {name: zeros, pattern: "^[0-]*$"}
                  - {name: zeros, pattern: "("}
                  - {name: scoped, pattern: x, namespaces: [nowhere]}
                merge_caps: {max_profiles_per_event: 1, max_profile_size: 1, typo: 3}
                """));
        String all = String.join("\n", e.problems());
        for (String expected : new String[]{"version", "namespaces.user_id.priority", "namespaces.user_id.limit",
                "namespaces.Bad-Name", "namespaces.device_id.window", "namespaces.device_id.shared",
                "namespaces.device_id.normalize", "anonymous_id must be declared", "blocked[1].name: duplicate",
                "blocked[1].pattern", "blocked[2].namespaces: nowhere", "merge_caps.max_profiles_per_event",
                "merge_caps.max_profile_size", "merge_caps.typo: unknown key"}) {
            assertTrue(all.contains(expected), "reports " + expected + " in:\n" + all);
        }
    }

    @Test
    void an_unknown_key_is_refused_so_that_a_typo_cannot_switch_a_rule_off() {
        InvalidRulesException e = assertThrows(InvalidRulesException.class, () -> parse("""
                version: 1
                namespaces:
                  user_id: {priority: 1, limt: 1}
                  anonymous_id: {}
                """));
        assertTrue(e.problems().contains("namespaces.user_id.limt: unknown key"), e.problems().toString());
    }

    @Test
    void a_namespace_without_priority_gets_five_and_no_limit() {
        IdentityRules rules = parse("""
                version: 1
                namespaces:
                  user_id: {priority: 1, limit: 1}
                  anonymous_id:
                  crm_id: {}
                """);
        assertEquals(5, rules.priority("crm_id"));
        assertFalse(rules.namespace("crm_id").limit().isPresent());
        assertEquals(5, rules.priority("undeclared"));
    }

    static IdentityRules parse(String yaml) {
        try {
            JsonNode node = YAML.readTree(yaml);
            return IdentityRulesLoader.parse(node, "test");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
