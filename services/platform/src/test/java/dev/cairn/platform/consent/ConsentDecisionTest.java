package dev.cairn.platform.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.cairn.platform.consent.ConsentDecision.Decision;
import dev.cairn.platform.consent.ConsentDecision.Jurisdiction;
import dev.cairn.platform.consent.ConsentDecision.Reason;
import dev.cairn.platform.consent.ConsentDecision.Recorded;
import dev.cairn.platform.grpc.DependencyUnavailableException;

/** The rules of the one consent decision, each with a case that would fail if the rule were different. */
class ConsentDecisionTest {

    /** EU: opt-in, advertising denied outright; default: analytics opt-out, advertising opt-in. */
    static final ConsentPolicy POLICY = policy("""
            version: "t-1"
            default_jurisdiction: default
            legal_bases: [consent, notice]
            purposes:
              analytics: { description: a }
              advertising: { description: ads }
            jurisdictions:
              EU:
                description: EU
                rules:
                  analytics: { basis: consent, default: opt_in }
                  advertising: { basis: consent, default: deny }
              default:
                description: elsewhere
                rules:
                  analytics: { basis: notice, default: opt_out }
                  advertising: { basis: consent, default: opt_in }
            """);

    @Test
    void nothing_recorded_applies_the_default_of_the_fallback_else_the_default_jurisdiction() {
        Decision optOut = decide(List.of(nothing("user_id:u")), "analytics", Jurisdiction.asRecorded(""));
        assertEquals(Decision.of(true, Reason.DEFAULT, "t-1", "default"), optOut);
        Decision optIn = decide(List.of(nothing("user_id:u")), "analytics", Jurisdiction.asRecorded("EU"));
        assertEquals(Decision.of(false, Reason.DEFAULT, "t-1", "EU"), optIn);
    }

    @Test
    void the_latest_explicit_choice_on_any_identifier_decides_and_a_withdrawal_wins_a_tie() {
        Recorded user = recorded("user_id:u", choice("analytics", "default", true, 100, "grant"));
        Recorded anon = recorded("anonymous_id:a", choice("analytics", "default", false, 200, "withdraw"));
        Decision later = decide(List.of(user, anon), "analytics", Jurisdiction.asRecorded(""));
        assertFalse(later.allowed(), "the later withdrawal on another identifier wins");
        assertEquals("withdraw", later.recordId());

        Recorded regrant = recorded("user_id:u", choice("analytics", "default", true, 300, "regrant"));
        assertTrue(decide(List.of(regrant, anon), "analytics", Jurisdiction.asRecorded("")).allowed(),
                "a grant made after the withdrawal wins: the latest choice decides, not any denial");

        Recorded tieGrant = recorded("user_id:t", choice("analytics", "default", true, 500, "g"));
        Recorded tieWithdrawal = recorded("email:t", choice("analytics", "default", false, 500, "w"));
        assertFalse(decide(List.of(tieGrant, tieWithdrawal), "analytics", Jurisdiction.asRecorded("")).allowed());
        assertFalse(decide(List.of(tieWithdrawal, tieGrant), "analytics", Jurisdiction.asRecorded("")).allowed(),
                "whatever order the identifiers come in");
    }

    @Test
    void the_deciding_records_jurisdiction_applies_before_the_fallback_and_an_asked_one_before_both() {
        Recorded grantedInEu = recorded("user_id:u", choice("advertising", "EU", true, 100, "r"));
        Decision asRecorded = decide(List.of(grantedInEu), "advertising", Jurisdiction.asRecorded("default"));
        assertEquals(Decision.of(false, Reason.POLICY, "t-1", "EU"), asRecorded,
                "a grant recorded where the purpose is denied is not re-decided under the event's jurisdiction");
        Decision asked = decide(List.of(grantedInEu), "advertising", Jurisdiction.asked(Optional.of("default")));
        assertTrue(asked.allowed(), "a Decide query naming a jurisdiction decides under it: " + asked);
        assertEquals(Reason.EXPLICIT_CHOICE, asked.reason());
    }

    @Test
    void an_unknown_purpose_or_a_jurisdiction_without_a_rule_fails_closed() {
        Recorded granted = recorded("user_id:u", choice("analytics", "Mars", true, 100, "r"));
        assertEquals(Decision.of(false, Reason.POLICY, "t-1", "Mars"),
                decide(List.of(granted), "analytics", Jurisdiction.asRecorded("default")),
                "the recorded jurisdiction has no rule");
        assertEquals(Reason.POLICY, decide(List.of(granted), "telepathy", Jurisdiction.asRecorded("")).reason());
        assertFalse(decide(List.of(nothing("user_id:v")), "analytics", Jurisdiction.asRecorded("Mars")).allowed());
    }

    @Test
    void any_erased_identifier_denies_everything() {
        Recorded granted = recorded("user_id:u", choice("analytics", "default", true, 100, "r"));
        Decision d = decide(List.of(granted, Recorded.erased("anonymous_id:a")), "analytics",
                Jurisdiction.asRecorded(""));
        assertEquals(Decision.of(false, Reason.ERASED, "t-1", "default"), d);
    }

    @Test
    void an_entry_that_is_not_an_explicit_choice_never_grants_and_denies_unless_granted() {
        SubjectConsent.PurposeChoice ruleWithdrawn = new SubjectConsent.PurposeChoice("analytics", "default", false,
                Reason.POLICY.number(), "t-1", Optional.empty(), "", "");
        Recorded later = recorded("user_id:u", choice("analytics", "default", true, 100, "r"));
        assertEquals(Reason.POLICY,
                decide(List.of(later, new Recorded("anonymous_id:a", false, List.of(ruleWithdrawn))), "analytics",
                        Jurisdiction.asRecorded("")).reason(),
                "a non-GRANTED rule entry on any identifier denies; a choice cannot outvote it");
        SubjectConsent.PurposeChoice defaultGranted = new SubjectConsent.PurposeChoice("advertising", "default", true,
                Reason.DEFAULT.number(), "t-1", Optional.empty(), "", "");
        Decision optIn = decide(List.of(new Recorded("user_id:u", false, List.of(defaultGranted))), "advertising",
                Jurisdiction.asRecorded(""));
        assertEquals(Decision.of(false, Reason.DEFAULT, "t-1", "default"), optIn, "only an explicit choice grants");
    }

    @Test
    void a_view_that_has_not_caught_up_refuses_to_decide_instead_of_answering_from_what_it_lacks() {
        ConsentStateView notStarted = new ConsentStateView(POLICY, Map.of("bootstrap.servers", "127.0.0.1:1"),
                "cairn.consent.state.v1", Optional.empty(), Duration.ofSeconds(1));
        assertFalse(notStarted.caughtUp());
        assertThrows(DependencyUnavailableException.class,
                () -> notStarted.decideAsRecorded(List.of("user_id:u"), "analytics", "default"));
        assertThrows(DependencyUnavailableException.class,
                () -> notStarted.decide(List.of("user_id:u"), "analytics", Optional.empty()));
        assertThrows(DependencyUnavailableException.class, () -> notStarted.erased("user_id:u"));
        assertThrows(DependencyUnavailableException.class, () -> notStarted.state("user_id:u"));
    }

    static Decision decide(List<Recorded> subject, String purpose, Jurisdiction jurisdiction) {
        return ConsentDecision.decide(POLICY, subject, purpose, jurisdiction);
    }

    static Recorded nothing(String key) {
        return Recorded.of(key, Optional.empty());
    }

    static Recorded recorded(String key, SubjectConsent.PurposeChoice... entries) {
        return new Recorded(key, false, List.of(entries));
    }

    static SubjectConsent.PurposeChoice choice(String purpose, String jurisdiction, boolean granted, long seconds,
            String recordId) {
        return new SubjectConsent.PurposeChoice(purpose, jurisdiction, granted, Reason.EXPLICIT_CHOICE.number(),
                "t-1", Optional.of(Instant.ofEpochSecond(seconds)), recordId, "");
    }

    static ConsentPolicy policy(String yaml) {
        try {
            return ConsentPolicy.parse(new YAMLMapper().readTree(yaml), "test policy");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
