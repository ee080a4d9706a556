package dev.cairn.consent.grpc;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.cairn.platform.audit.AuditedRead;
import dev.cairn.platform.audit.AuditedReads;
import dev.cairn.platform.audit.ReadSubject;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecideResponse;
import dev.cairn.proto.consent.v1.GetConsentStateRequest;
import dev.cairn.proto.consent.v1.GetConsentStateResponse;
import dev.cairn.proto.events.v1.Identifier;

/**
 * Consent's reads of personal data, recorded by platform's read audit: a Decide names each subject with the purpose
 * it asks about, which is the purpose the answer is read under. ExportSubject and GetConsentHistory are not here:
 * they are audited in the same transaction as the read ({@code PrivacyAudit}), which cannot be dropped.
 */
@ApplicationScoped
public class ConsentReads implements AuditedReads {

    @Override
    public String service() {
        return "consent";
    }

    @Override
    public Map<String, AuditedRead<?, ?>> reads() {
        return Map.of(
                ConsentServiceGrpc.getDecideMethod().getFullMethodName(),
                AuditedRead.<DecideRequest, DecideResponse>of("consent.decide", List.of("consent_decision"),
                        (request, response) -> request.getQueriesList().stream()
                                .map(q -> ReadSubject.of(key(q.getSubject()), q.getPurpose())).toList()),
                ConsentServiceGrpc.getGetConsentStateMethod().getFullMethodName(),
                AuditedRead.<GetConsentStateRequest, GetConsentStateResponse>of("consent.state.read",
                        List.of("consent_state"),
                        (request, response) -> List.of(ReadSubject.of(key(request.getSubject())))));
    }

    private static String key(Identifier id) {
        return SubjectKeys.key(id.getNamespace(), id.getValue());
    }
}
