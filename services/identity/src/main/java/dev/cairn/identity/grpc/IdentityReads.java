package dev.cairn.identity.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.cairn.platform.audit.AuditedRead;
import dev.cairn.platform.audit.AuditedReads;
import dev.cairn.platform.audit.ReadSubject;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.BatchResolveResponse;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.ExplainProfileResponse;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.identity.v1.ResolveResponse;

/**
 * Identity's reads of personal data, recorded by platform's read audit. A resolution reveals every identifier of the
 * profile, so each of them (and the profile) is a subject of the read, not only the one asked about: the trail of a
 * user_id shows the reads that reached it through the person's email or cookie.
 */
@ApplicationScoped
public class IdentityReads implements AuditedReads {

    static final List<String> RESOLVED = List.of("identifiers", "profile_id");

    @Override
    public String service() {
        return "identity";
    }

    @Override
    public Map<String, AuditedRead<?, ?>> reads() {
        return Map.of(
                IdentityServiceGrpc.getResolveMethod().getFullMethodName(),
                AuditedRead.<ResolveRequest, ResolveResponse>of("identity.resolve", RESOLVED,
                        (request, response) -> {
                            List<ReadSubject> subjects = new ArrayList<>();
                            subjects.add(subject(request.getIdentifier()));
                            resolved(response.getResolution(), subjects);
                            return subjects;
                        }),
                IdentityServiceGrpc.getBatchResolveMethod().getFullMethodName(),
                AuditedRead.<BatchResolveRequest, BatchResolveResponse>of("identity.batch_resolve", RESOLVED,
                        (request, response) -> {
                            List<ReadSubject> subjects = new ArrayList<>();
                            request.getIdentifiersList().forEach(id -> subjects.add(subject(id)));
                            response.getResolutionsList().forEach(r -> resolved(r, subjects));
                            return subjects;
                        }),
                IdentityServiceGrpc.getExplainProfileMethod().getFullMethodName(),
                AuditedRead.<ExplainProfileRequest, ExplainProfileResponse>of("identity.explain",
                        List.of("identity_history"), (request, response) -> {
                            List<ReadSubject> subjects = new ArrayList<>();
                            if (request.hasIdentifier()) {
                                subjects.add(subject(request.getIdentifier()));
                            } else if (!request.getProfileId().isEmpty()) {
                                subjects.add(ReadSubject.profile(request.getProfileId()));
                            }
                            if (!response.getProfileId().isEmpty()) {
                                subjects.add(ReadSubject.profile(response.getProfileId()));
                            }
                            return subjects;
                        }));
    }

    private static void resolved(Resolution resolution, List<ReadSubject> subjects) {
        if (!resolution.getFound()) {
            return;
        }
        resolution.getIdentifiersList().forEach(id -> subjects.add(subject(id)));
        if (!resolution.getProfileId().isEmpty()) {
            subjects.add(ReadSubject.profile(resolution.getProfileId()));
        }
    }

    private static ReadSubject subject(Identifier id) {
        return ReadSubject.of(SubjectKeys.key(id.getNamespace(), id.getValue()));
    }
}
