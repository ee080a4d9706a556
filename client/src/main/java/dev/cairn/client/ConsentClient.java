package dev.cairn.client;

import java.util.List;

import io.grpc.Channel;

import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.Decision;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.GetConsentStateRequest;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.Identifier;

/** What a subject allows: consent's Decide and GetConsentState (role {@code consent.read}). */
public final class ConsentClient {

    private final ConsentServiceGrpc.ConsentServiceBlockingStub stub;
    private final CairnClient.Calls calls;

    ConsentClient(Channel channel, CairnClient.Calls calls) {
        this.stub = ConsentServiceGrpc.newBlockingStub(channel);
        this.calls = calls;
    }

    /**
     * Whether {@code purpose} (a purpose of {@code contracts/consent/policy.yaml}, e.g. {@code personalization}) is
     * allowed for the subject, in the jurisdiction consent recorded for it. UNAVAILABLE (retried) while consent's view
     * is catching up after a start.
     */
    public Decision decide(Identifier subject, String purpose) {
        return decide(List.of(DecisionQuery.newBuilder().setSubject(subject).setPurpose(purpose).build())).get(0);
    }

    /** Many decisions in one call; the answers are in the order asked. */
    public List<Decision> decide(List<DecisionQuery> queries) {
        return calls.prepare(stub).decide(DecideRequest.newBuilder().addAllQueries(queries).build())
                .getDecisionsList();
    }

    /** Everything consent holds for the subject, per purpose. */
    public ConsentState consentState(Identifier subject) {
        return calls.prepare(stub).getConsentState(GetConsentStateRequest.newBuilder().setSubject(subject).build())
                .getState();
    }
}
