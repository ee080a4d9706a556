package dev.cairn.consent.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.store.ProfileDirectory;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.platform.grpc.DependencyUnavailableException;
import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.consent.v1.ExportSubjectRequest;
import dev.cairn.proto.consent.v1.ExportSubjectResponse;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.MutinyIdentityServiceGrpc;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.MutinySegmentsServiceGrpc;
import dev.cairn.proto.segments.v1.ProfileRef;

/**
 * Subject access: what Cairn holds about a subject — identifiers and profile (identity), consent history (this
 * ledger), memberships and traits (segments). An export that silently left out a part would mislead the subject,
 * so if identity or segments cannot answer, the export fails with UNAVAILABLE naming the dependency. Every export
 * is audited with the caller's identity.
 */
@ApplicationScoped
public class SubjectExport {

    @Inject
    ProfileDirectory profiles;

    @Inject
    ConsentHistory history;

    @Inject
    PrivacyAudit audit;

    @Inject
    ServiceCredentials credentials;

    @GrpcClient("identity")
    MutinyIdentityServiceGrpc.MutinyIdentityServiceStub identity;

    @GrpcClient("segments")
    MutinySegmentsServiceGrpc.MutinySegmentsServiceStub segments;

    public Uni<ExportSubjectResponse> export(ExportSubjectRequest request, String actor) {
        List<FieldViolation> problems = new ArrayList<>();
        ConsentDecider.subjectProblems("subject", request.getSubject(), problems);
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        Identifier subject = request.getSubject();
        String key = SubjectKeys.key(subject.getNamespace(), subject.getValue());
        ExportSubjectResponse.Builder out = ExportSubjectResponse.newBuilder();
        Map<String, Identifier> identifiers = new LinkedHashMap<>();
        return Panache.withTransaction(() -> audit.record(actor, "privacy.export", key, "export requested"))
                .chain(() -> OnContext
                        .resume(credentials.attach(identity).resolve(ResolveRequest.newBuilder().setIdentifier(subject)
                                .build()))
                        .onFailure().transform(e -> new DependencyUnavailableException("identity",
                                "identity could not resolve the subject: " + ErasureCoordinator.describe(e), e)))
                .invoke(resolved -> {
                    if (resolved.getResolution().getFound()) {
                        out.setProfileId(resolved.getResolution().getProfileId());
                        resolved.getResolution().getIdentifiersList().forEach(
                                i -> identifiers.put(SubjectKeys.key(i.getNamespace(), i.getValue()), i));
                    }
                })
                .chain(() -> Panache.withSession(() -> profiles.linkedKeys(key).flatMap(keys -> {
                    keys.forEach(k -> identifiers.putIfAbsent(k, ErasureCoordinator.normalized(k)));
                    return history.all(List.copyOf(identifiers.keySet()));
                })))
                .invoke(records -> out.addAllIdentifiers(identifiers.values()).addAllConsentHistory(records))
                .chain(() -> out.getProfileId().isEmpty() ? Uni.createFrom().voidItem() : fromSegments(out))
                .map(ignored -> out.build());
    }

    private Uni<Void> fromSegments(ExportSubjectResponse.Builder out) {
        ProfileRef ref = ProfileRef.newBuilder().setProfileId(out.getProfileId()).build();
        return OnContext
                .resume(credentials.attach(segments)
                        .listMemberships(ListMembershipsRequest.newBuilder().setProfile(ref).build()))
                .invoke(m -> out.addAllMemberships(m.getMembershipsList()))
                .chain(() -> OnContext
                        .resume(credentials.attach(segments)
                                .getTraits(GetTraitsRequest.newBuilder().setProfile(ref).build())))
                .invoke(t -> out.setTraits(t.getTraits()))
                .onFailure().transform(e -> new DependencyUnavailableException("segments",
                        "segments could not export the profile: " + ErasureCoordinator.describe(e), e))
                .replaceWithVoid();
    }
}
