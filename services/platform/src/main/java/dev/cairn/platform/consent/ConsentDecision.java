package dev.cairn.platform.consent;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The one consent decision of Cairn: a pure function of what is recorded for a subject's identifiers, a purpose, the
 * jurisdiction to decide under and the policy. Ingest's gate and consent's Decide call it through
 * {@link ConsentStateView}, segments' engine with the states it keeps per profile; none of them decides in any
 * other way, so the same records can never be allowed in one service and denied in another.
 *
 * <p>
 * The rules, in order (contracts/consent/policy.yaml and the consent README document them):
 * <ol>
 * <li>a purpose the policy does not know: deny, POLICY;</li>
 * <li>any of the identifiers erased: deny, ERASED;</li>
 * <li>the deciding record is the latest explicit choice (reason EXPLICIT_CHOICE) for the purpose on any of the
 * identifiers, by when the subject chose; at the same instant a withdrawal wins, so a tie never lets data through.
 * Consent already publishes each identifier's state merged over its profile, so identifiers of one profile
 * agree; while a link or a merge propagates, the later choice still wins;</li>
 * <li>the jurisdiction: the asked one (a Decide query that names one), else the deciding record's, else the
 * fallback (an event's context.jurisdiction, else its source's default), else the policy's default. A choice is
 * never re-decided under a fallback: a grant recorded where the purpose is denied stays denied;</li>
 * <li>no rule for the purpose there (an unknown jurisdiction) or a rule {@code deny}: deny, POLICY;</li>
 * <li>an entry that is not an explicit choice (a rule consent applied) and is not GRANTED, on any identifier:
 * deny, POLICY. Such an entry is not a choice that a later one could outvote, and it never grants;</li>
 * <li>the deciding record: as chosen (only GRANTED allows; any other status denies), EXPLICIT_CHOICE;</li>
 * <li>nothing recorded: the rule's default, opt-in deny and opt-out allow, DEFAULT.</li>
 * </ol>
 */
public final class ConsentDecision {

    /** Why a decision came out as it did; numbers are those of cairn.events.v1.ConsentReason. */
    public enum Reason {
        /** The latest explicit grant or withdrawal of the subject's identifiers decided. */
        EXPLICIT_CHOICE(1),
        /** Nothing recorded; the purpose's default for the jurisdiction (opt-in deny, opt-out allow). */
        DEFAULT(2),
        /** A policy rule decided regardless of choices (unknown purpose or jurisdiction, a denied purpose). */
        POLICY(3),
        /** The subject was erased; everything is denied. */
        ERASED(4);

        private final int number;

        Reason(int number) {
            this.number = number;
        }

        /** The cairn.events.v1.ConsentReason number: {@code ConsentReason.forNumber(reason.number())}. */
        public int number() {
            return number;
        }
    }

    /**
     * A consent decision. {@code recordId}, {@code decidedBy} (a subject key) and {@code recordedAt} are set only
     * for {@link Reason#EXPLICIT_CHOICE}.
     */
    public record Decision(boolean allowed, Reason reason, String policyVersion, String jurisdiction,
            String recordId, String decidedBy, Optional<Instant> recordedAt) {

        static Decision of(boolean allowed, Reason reason, String policyVersion, String jurisdiction) {
            return new Decision(allowed, reason, policyVersion, jurisdiction, "", "", Optional.empty());
        }
    }

    /**
     * What is recorded for one identifier of the subject: the entries of its published state (none if consent
     * published nothing for it), or that it was erased.
     */
    public record Recorded(String subjectKey, boolean erased, List<SubjectConsent.PurposeChoice> entries) {

        public Recorded {
            entries = List.copyOf(entries);
        }

        public static Recorded of(String subjectKey, Optional<SubjectConsent> state) {
            return new Recorded(subjectKey, false, state.map(SubjectConsent::purposes).orElse(List.of()));
        }

        public static Recorded erased(String subjectKey) {
            return new Recorded(subjectKey, true, List.of());
        }
    }

    /**
     * The jurisdiction to decide under: {@code asked} is applied whatever was recorded (a Decide query naming one);
     * otherwise the deciding record's, else {@code fallback}, else the policy's default.
     */
    public record Jurisdiction(Optional<String> asked, Optional<String> fallback) {

        public Jurisdiction {
            asked = asked.filter(j -> !j.isBlank());
            fallback = fallback.filter(j -> !j.isBlank());
        }

        /** As data in flight is decided: the deciding record's, else {@code fallback} (may be empty or null). */
        public static Jurisdiction asRecorded(String fallback) {
            return new Jurisdiction(Optional.empty(), Optional.ofNullable(fallback));
        }

        /** As a Decide query asks: {@code asked} if not empty, else the deciding record's, else the default. */
        public static Jurisdiction asked(Optional<String> asked) {
            return new Jurisdiction(asked, Optional.empty());
        }
    }

    /**
     * Orders explicit entries so that the deciding one is the greatest: the later choice; at the same instant the
     * withdrawal; then by jurisdiction and record id, so that the order identifiers come in never changes the
     * answer.
     */
    static final Comparator<SubjectConsent.PurposeChoice> PRECEDENCE = Comparator
            .comparing((SubjectConsent.PurposeChoice c) -> c.recordedAt().orElse(Instant.EPOCH))
            .thenComparing(c -> c.granted() ? 0 : 1).thenComparing(SubjectConsent.PurposeChoice::jurisdiction)
            .thenComparing(SubjectConsent.PurposeChoice::recordId);

    private ConsentDecision() {
    }

    /** Decides {@code purpose} for a subject known by {@code subject} (one entry per identifier). */
    public static Decision decide(ConsentPolicy policy, Collection<Recorded> subject, String purpose,
            Jurisdiction jurisdiction) {
        String version = policy.version();
        String unresolved = jurisdiction.asked().or(jurisdiction::fallback).orElse(policy.defaultJurisdiction());
        if (!policy.isPurpose(purpose)) {
            return Decision.of(false, Reason.POLICY, version, unresolved);
        }
        SubjectConsent.PurposeChoice deciding = null;
        boolean ruleDenies = false;
        for (Recorded identifier : subject) {
            if (identifier.erased()) {
                return Decision.of(false, Reason.ERASED, version, unresolved);
            }
            for (SubjectConsent.PurposeChoice entry : identifier.entries()) {
                if (!entry.purpose().equals(purpose)) {
                    continue;
                }
                if (entry.reasonNumber() != Reason.EXPLICIT_CHOICE.number()) {
                    ruleDenies |= !entry.granted();
                } else if (deciding == null || PRECEDENCE.compare(entry, deciding) > 0) {
                    deciding = entry;
                }
            }
        }
        String applied = jurisdiction.asked()
                .orElse(deciding != null && !deciding.jurisdiction().isBlank()
                        ? deciding.jurisdiction()
                        : jurisdiction.fallback().orElse(policy.defaultJurisdiction()));
        Optional<ConsentPolicy.Rule> rule = policy.rule(purpose, applied);
        if (rule.isEmpty() || rule.get().defaultWhenUnrecorded() == ConsentPolicy.Default.DENY || ruleDenies) {
            return Decision.of(false, Reason.POLICY, version, applied);
        }
        if (deciding != null) {
            return new Decision(deciding.granted(), Reason.EXPLICIT_CHOICE, version, applied, deciding.recordId(),
                    deciding.decidedBy(), deciding.recordedAt());
        }
        return Decision.of(rule.get().defaultWhenUnrecorded() == ConsentPolicy.Default.OPT_OUT, Reason.DEFAULT,
                version, applied);
    }
}
