package dev.cairn.ingest.service;

import java.util.ArrayList;
import java.util.List;

import dev.cairn.platform.consent.ConsentDecision;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.ConsentDecisionTrace;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.PurposeDecision;

/**
 * The consent gate before fan-out: an event reaches a destination only if its subject allows every purpose the
 * destination serves. Answers from the in-process view of cairn.consent.state.v1, never from a database. The
 * jurisdiction is the consent record's, else the event's (context.jurisdiction), else the source's default. Both
 * methods throw {@link dev.cairn.platform.grpc.DependencyUnavailableException} until the view has caught up
 * (consent is not known yet); the pipeline answers those events RETRY.
 */
public final class ConsentGate {

    private final ConsentStateView view;

    public ConsentGate(ConsentStateView view) {
        this.view = view;
    }

    public ConsentDecisionTrace decide(List<Identifier> subject, Destination destination, String fallbackJurisdiction) {
        List<String> keys = subject.stream().map(i -> SubjectKeys.key(i.getNamespace(), i.getValue())).toList();
        ConsentDecisionTrace.Builder trace = ConsentDecisionTrace.newBuilder().setDestination(destination.name());
        boolean forwarded = true;
        List<PurposeDecision> decisions = new ArrayList<>();
        for (String purpose : destination.purposes()) {
            ConsentDecision.Decision d = view.decideAsRecorded(keys, purpose, fallbackJurisdiction);
            forwarded &= d.allowed();
            decisions.add(PurposeDecision.newBuilder().setPurpose(purpose).setAllowed(d.allowed())
                    .setReason(ConsentReason.forNumber(d.reason().number())).setPolicyVersion(d.policyVersion())
                    .setJurisdiction(d.jurisdiction()).build());
        }
        return trace.setForwarded(forwarded).addAllPurposes(decisions).build();
    }

    public boolean erased(List<Identifier> subject) {
        return subject.stream().anyMatch(i -> view.erased(SubjectKeys.key(i.getNamespace(), i.getValue())));
    }
}
