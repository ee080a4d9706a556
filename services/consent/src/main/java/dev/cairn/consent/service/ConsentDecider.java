package dev.cairn.consent.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;

import dev.cairn.platform.consent.ConsentDecision;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.consent.SubjectConsent;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.consent.v1.Decision;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.PurposeConsent;

/**
 * Decisions and current state from the in-process view of {@code cairn.consent.state.v1}: no PostgreSQL and no
 * network on this path.
 */
@ApplicationScoped
public class ConsentDecider {

    public static final int MAX_QUERIES = 1000;

    private ConsentStateView view;
    private ConsentPolicy policy;
    private MeterRegistry metrics;

    /**
     * Constructor injection, so the agreement test builds the decider the service uses outside CDI. Fields are
     * not final: ArC adds the no-argument constructor its client proxy needs.
     */
    @Inject
    public ConsentDecider(ConsentStateView view, ConsentPolicy policy, MeterRegistry metrics) {
        this.view = view;
        this.policy = policy;
        this.metrics = metrics;
    }

    public List<Decision> decide(List<DecisionQuery> queries) {
        List<FieldViolation> problems = new ArrayList<>();
        if (queries.isEmpty()) {
            problems.add(new FieldViolation("queries", "must not be empty"));
        } else if (queries.size() > MAX_QUERIES) {
            problems.add(new FieldViolation("queries", "at most " + MAX_QUERIES + " per call, got " + queries.size()));
        }
        for (int i = 0; i < queries.size() && i < MAX_QUERIES; i++) {
            DecisionQuery q = queries.get(i);
            String at = "queries[" + i + "]";
            subjectProblems(at + ".subject", q.getSubject(), problems);
            if (!policy.isPurpose(q.getPurpose())) {
                problems.add(new FieldViolation(at + ".purpose",
                        (q.getPurpose().isBlank() ? "required" : "unknown purpose '" + q.getPurpose() + "'")
                                + "; one of "
                                + policy.purposes().stream().sorted().toList()));
            }
            if (!q.getJurisdiction().isBlank() && !policy.isJurisdiction(q.getJurisdiction())) {
                problems.add(new FieldViolation(at + ".jurisdiction", "unknown jurisdiction '" + q.getJurisdiction()
                        + "'; one of " + policy.jurisdictions().stream().sorted().toList()));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        List<Decision> decisions = new ArrayList<>(queries.size());
        for (DecisionQuery q : queries) {
            String key = SubjectKeys.key(q.getSubject().getNamespace(), q.getSubject().getValue());
            ConsentDecision.Decision d = view.decide(List.of(key), q.getPurpose(),
                    Optional.of(q.getJurisdiction()).filter(j -> !j.isBlank()));
            metrics.counter("cairn.consent.decisions", "allowed", Boolean.toString(d.allowed()), "reason",
                    d.reason().name()).increment();
            decisions.add(toProto(d));
        }
        return decisions;
    }

    /** The subject's current state as last published (empty purposes: nothing recorded, defaults apply). */
    public ConsentState state(Identifier subject) {
        List<FieldViolation> problems = new ArrayList<>();
        subjectProblems("subject", subject, problems);
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        String key = SubjectKeys.key(subject.getNamespace(), subject.getValue());
        Optional<SubjectConsent> state = view.state(key);
        ConsentState.Builder b = ConsentState.newBuilder().setSubject(subject);
        state.ifPresent(s -> {
            b.setProfileId(s.profileId()).setStateVersion(s.stateVersion());
            for (SubjectConsent.PurposeChoice c : s.purposes()) {
                PurposeConsent.Builder p = PurposeConsent.newBuilder().setPurpose(c.purpose())
                        .setJurisdiction(c.jurisdiction())
                        .setStatus(c.granted()
                                ? ConsentStatus.CONSENT_STATUS_GRANTED
                                : ConsentStatus.CONSENT_STATUS_WITHDRAWN)
                        .setReason(ConsentReason.forNumber(c.reasonNumber())).setPolicyVersion(c.policyVersion())
                        .setRecordId(c.recordId());
                c.recordedAt().ifPresent(t -> p.setRecordedAt(StateDerivation.timestamp(t)));
                if (!c.decidedBy().isEmpty()) {
                    p.setDecidedBy(identifier(c.decidedBy()));
                }
                b.addPurposes(p);
            }
        });
        return b.build();
    }

    static Decision toProto(ConsentDecision.Decision d) {
        Decision.Builder b = Decision.newBuilder().setAllowed(d.allowed())
                .setReason(ConsentReason.forNumber(d.reason().number())).setPolicyVersion(d.policyVersion())
                .setJurisdiction(d.jurisdiction()).setRecordId(d.recordId());
        if (!d.decidedBy().isEmpty()) {
            b.setDecidedBy(identifier(d.decidedBy()));
        }
        d.recordedAt().ifPresent(t -> b.setRecordedAt(StateDerivation.timestamp(t)));
        return b.build();
    }

    static Identifier identifier(String subjectKey) {
        int colon = subjectKey.indexOf(':');
        return Identifier.newBuilder().setNamespace(subjectKey.substring(0, colon))
                .setValue(subjectKey.substring(colon + 1)).build();
    }

    static void subjectProblems(String at, Identifier subject, List<FieldViolation> problems) {
        if (subject.getNamespace().isBlank()) {
            problems.add(new FieldViolation(at + ".namespace", "required (e.g. user_id, anonymous_id, email)"));
        }
        if (subject.getValue().isBlank()) {
            problems.add(new FieldViolation(at + ".value", "required: the identifier's value"));
        }
    }
}
