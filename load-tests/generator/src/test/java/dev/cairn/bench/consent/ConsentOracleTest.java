package dev.cairn.bench.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.cairn.bench.consent.ConsentContracts.Default;

class ConsentOracleTest {

    static final String ANON = "anonymous_id:a";
    static final String USER = "user_id:u";
    static final String EMAIL = "email:u@e2e.cairn.dev";
    static final String OTHER = "user_id:someone-else";

    /** A policy like contracts/consent/policy.yaml, plus a jurisdiction that denies marketing_email outright. */
    static final ConsentContracts CONTRACTS = new ConsentContracts("default",
            Map.of("marketing_email", Map.of("default", Default.OPT_IN, "US-CA", Default.OPT_OUT, "XX", Default.DENY),
                    "analytics", Map.of("default", Default.OPT_OUT, "EU", Default.OPT_IN)),
            List.of(new ConsentContracts.Destination("email_marketing", "cairn.dest.email_marketing.v1",
                    List.of("marketing_email"))));

    static ConsentOracle oracle() {
        return new ConsentOracle(CONTRACTS, 2_000, 5_000);
    }

    @Test
    void without_a_choice_the_jurisdictions_default_decides_and_no_rule_fails_closed() {
        ConsentOracle o = oracle();
        assertFalse(o.decide(List.of(USER), "marketing_email", "default").allowed(), "opt-in: deny until granted");
        assertTrue(o.decide(List.of(USER), "marketing_email", "US-CA").allowed(), "opt-out: allow until withdrawn");
        assertTrue(o.decide(List.of(USER), "analytics", "default").allowed());
        assertFalse(o.decide(List.of(USER), "analytics", "EU").allowed());
        assertFalse(o.decide(List.of(USER), "analytics", "US-CA").allowed(), "no rule: deny");
        assertFalse(o.decide(List.of(USER), "sms", "default").allowed(), "unknown purpose: deny");
    }

    @Test
    void a_choice_counts_only_for_its_own_identifier_until_identity_links_them() {
        ConsentOracle o = oracle();
        o.record(ANON, "marketing_email", true, "default", 1_000, 0);
        assertTrue(o.decide(List.of(ANON), "marketing_email", "default").allowed());
        assertFalse(o.decide(List.of(USER), "marketing_email", "default").allowed());

        o.link(List.of(ANON, USER, EMAIL), 10);
        assertTrue(o.decide(List.of(USER), "marketing_email", "default").allowed(), "the grant follows the link");
        assertTrue(o.decide(List.of(EMAIL), "marketing_email", "default").allowed());
        assertFalse(o.decide(List.of(OTHER), "marketing_email", "default").allowed());
    }

    @Test
    void the_latest_explicit_choice_across_linked_identifiers_wins() {
        ConsentOracle o = oracle();
        o.record(ANON, "marketing_email", false, "default", 1_000, 0);
        o.record(USER, "marketing_email", true, "default", 2_000, 0);
        assertFalse(o.decide(List.of(ANON), "marketing_email", "default").allowed());
        o.link(List.of(ANON, USER), 10);
        assertTrue(o.decide(List.of(ANON), "marketing_email", "default").allowed(), "the later grant on user_id");

        o.record(EMAIL, "marketing_email", false, "default", 3_000, 20);
        assertTrue(o.decide(List.of(USER), "marketing_email", "default").allowed(), "email not linked yet");
        o.link(List.of(USER, EMAIL), 30);
        ConsentOracle.Expected e = o.decide(List.of(ANON), "marketing_email", "default");
        assertFalse(e.allowed(), "the later withdrawal on the email, linked through user_id");
        assertEquals(EMAIL, e.deciding().orElseThrow().key());
    }

    @Test
    void a_withdrawal_wins_a_tie_and_an_event_carrying_several_identifiers_sees_all_their_choices() {
        ConsentOracle o = oracle();
        o.record(USER, "marketing_email", true, "default", 1_000, 0);
        o.record(ANON, "marketing_email", false, "default", 1_000, 0);
        assertFalse(o.decide(List.of(USER, ANON), "marketing_email", "default").allowed());
        assertTrue(o.decide(List.of(USER), "marketing_email", "default").allowed());
    }

    @Test
    void the_deciding_choices_jurisdiction_applies_and_a_jurisdiction_that_denies_overrides_a_grant() {
        ConsentOracle o = oracle();
        o.record(USER, "marketing_email", false, "US-CA", 1_000, 0);
        assertFalse(o.decide(List.of(USER), "marketing_email", "US-CA").allowed());
        o.record(ANON, "marketing_email", true, "XX", 1_000, 0);
        ConsentOracle.Expected e = o.decide(List.of(ANON), "marketing_email", "US-CA");
        assertFalse(e.allowed(), "XX denies marketing_email whatever was granted");
        assertEquals("XX", e.jurisdiction());
    }

    @Test
    void a_recorded_choice_starts_a_bound_on_its_purpose_and_the_identifiers_linked_to_it() {
        ConsentOracle o = oracle();
        assertEquals(Long.MIN_VALUE, o.settledAt(List.of(USER), List.of("marketing_email")), "nothing happened");
        o.record(USER, "marketing_email", false, "default", 1_000, 1_000);
        assertEquals(3_000, o.settledAt(List.of(USER), List.of("marketing_email")));
        assertEquals(Long.MIN_VALUE, o.settledAt(List.of(USER), List.of("analytics")), "another purpose");
        assertEquals(Long.MIN_VALUE, o.settledAt(List.of(ANON), List.of("marketing_email")), "not linked");

        o.link(List.of(USER, ANON), 1_500);
        assertEquals(6_500, o.settledAt(List.of(ANON), List.of("analytics")), "a link concerns every purpose");
        o.record(USER, "marketing_email", true, "default", 2_000, 9_000);
        assertEquals(11_000, o.settledAt(List.of(ANON), List.of("marketing_email")),
                "a later choice on a linked identifier");
    }

    @Test
    void from_a_login_until_identity_is_seen_linking_it_nothing_of_its_identifiers_is_judged() {
        ConsentOracle o = oracle();
        o.loginSent(List.of(USER, ANON));
        assertEquals(Long.MAX_VALUE, o.settledAt(List.of(ANON), List.of("analytics")));
        assertEquals(Long.MIN_VALUE, o.settledAt(List.of(OTHER), List.of("analytics")));
        o.link(List.of(USER, ANON), 4_000);
        assertEquals(9_000, o.settledAt(List.of(ANON), List.of("analytics")));
    }
}
