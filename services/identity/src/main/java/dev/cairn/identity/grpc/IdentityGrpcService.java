package dev.cairn.identity.grpc;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

import dev.cairn.identity.config.IdentityConfig;
import dev.cairn.identity.repository.LogEntry;
import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.service.Cause;
import dev.cairn.identity.service.ChangeMapper;
import dev.cairn.identity.service.Ident;
import dev.cairn.identity.service.IdentifierScreen;
import dev.cairn.identity.service.IdentityHistory;
import dev.cairn.identity.service.IdentityLedger;
import dev.cairn.identity.service.IdentityResolver;
import dev.cairn.identity.service.LogOutbox;
import dev.cairn.identity.store.RedisGraph.Hit;
import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.identity.v1.ApproveHeldMergeRequest;
import dev.cairn.proto.identity.v1.ApproveHeldMergeResponse;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.BatchResolveResponse;
import dev.cairn.proto.identity.v1.EraseSubjectRequest;
import dev.cairn.proto.identity.v1.EraseSubjectResponse;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.ExplainProfileResponse;
import dev.cairn.proto.identity.v1.HeldMerge;
import dev.cairn.proto.identity.v1.IdentityService;
import dev.cairn.proto.identity.v1.ListHeldMergesRequest;
import dev.cairn.proto.identity.v1.ListHeldMergesResponse;
import dev.cairn.proto.identity.v1.MergeRequest;
import dev.cairn.proto.identity.v1.MergeResponse;
import dev.cairn.proto.identity.v1.RejectHeldMergeRequest;
import dev.cairn.proto.identity.v1.RejectHeldMergeResponse;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.identity.v1.ResolveResponse;
import dev.cairn.proto.identity.v1.UnmergeRequest;
import dev.cairn.proto.identity.v1.UnmergeResponse;

/** The gRPC adapter: validates and translates, then delegates to the resolver, the ledger and the history. */
@GrpcService
public class IdentityGrpcService implements IdentityService {

    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 1000;

    @Inject
    IdentityConfig config;

    @Inject
    IdentityResolver resolver;

    @Inject
    IdentityLedger ledger;

    @Inject
    IdentityHistory history;

    @Inject
    LogOutbox outbox;

    @Inject
    IdentityRules rules;

    @Inject
    SecurityIdentity caller;

    @Override
    public Uni<ResolveResponse> resolve(ResolveRequest request) {
        List<Identifier> ids = request.hasIdentifier() ? List.of(request.getIdentifier()) : List.of();
        return resolver.resolve(config.space(), "resolve", ids, "identifier")
                .map(hits -> ResolveResponse.newBuilder().setResolution(resolution(hits.get(0))).build());
    }

    @Override
    public Uni<BatchResolveResponse> batchResolve(BatchResolveRequest request) {
        return resolver.resolve(config.space(), "batch_resolve", request.getIdentifiersList(), "identifiers")
                .map(hits -> BatchResolveResponse.newBuilder()
                        .addAllResolutions(hits.stream().map(IdentityGrpcService::resolution).toList()).build());
    }

    @Override
    public Uni<ExplainProfileResponse> explainProfile(ExplainProfileRequest request) {
        List<FieldViolation> bad = new ArrayList<>();
        Ident identifier = null;
        String profileId = "";
        switch (request.getProfileCase()) {
            case PROFILE_ID -> {
                profileId = request.getProfileId().strip();
                if (profileId.isEmpty()) {
                    bad.add(new FieldViolation("profile_id", "must not be empty"));
                }
            }
            case IDENTIFIER -> identifier = normalized(request.getIdentifier(), "identifier", bad);
            default -> bad.add(new FieldViolation("profile", "set profile_id or identifier"));
        }
        int size = pageSize(request.getPageSize(), "page_size", bad);
        long after = token(request.getPageToken(), "page_token", bad);
        fail(bad);
        return history.explain(config.space(), profileId, identifier, size, after)
                .map(page -> ExplainProfileResponse.newBuilder().setProfileId(page.profileId())
                        .addAllEntries(page.items()).setNextPageToken(page.nextToken()).build());
    }

    @Override
    public Uni<MergeResponse> merge(MergeRequest request) {
        List<FieldViolation> bad = new ArrayList<>();
        required(request.getTargetProfileId(), "target_profile_id", bad);
        required(request.getSourceProfileId(), "source_profile_id", bad);
        required(request.getReason(), "reason", bad);
        if (!request.getTargetProfileId().isBlank()
                && request.getTargetProfileId().equals(request.getSourceProfileId())) {
            bad.add(new FieldViolation("source_profile_id", "must differ from target_profile_id"));
        }
        fail(bad);
        return ledger.merge(config.space(), request.getTargetProfileId(), request.getSourceProfileId(),
                cause(request.getReason())).call(e -> outbox.drainSoon(config.space()))
                .map(e -> MergeResponse.newBuilder().setChange(refusedFails(e)).build());
    }

    @Override
    public Uni<UnmergeResponse> unmerge(UnmergeRequest request) {
        List<FieldViolation> bad = new ArrayList<>();
        required(request.getProfileId(), "profile_id", bad);
        required(request.getReason(), "reason", bad);
        if (request.getMergeSequence() <= 0) {
            bad.add(new FieldViolation("merge_sequence", "the sequence of a MERGED entry is required"));
        }
        fail(bad);
        return ledger.unmerge(config.space(), request.getProfileId(), request.getMergeSequence(),
                cause(request.getReason())).call(e -> outbox.drainSoon(config.space()))
                .map(e -> UnmergeResponse.newBuilder().setChange(refusedFails(e)).build());
    }

    @Override
    public Uni<ListHeldMergesResponse> listHeldMerges(ListHeldMergesRequest request) {
        List<FieldViolation> bad = new ArrayList<>();
        int size = pageSize(request.getPageSize(), "page_size", bad);
        long after = token(request.getPageToken(), "page_token", bad);
        fail(bad);
        return history.held(config.space(), size, after).chain(page -> history
                .refs(page.items().stream().map(h -> h.hold().seq).toList()).map(refs -> {
                    ListHeldMergesResponse.Builder out = ListHeldMergesResponse.newBuilder()
                            .setNextPageToken(page.nextToken());
                    for (IdentityHistory.HeldEntry h : page.items()) {
                        out.addHeldMerges(HeldMerge.newBuilder().setHoldId(h.hold().holdId)
                                .addAllProfileIds(refs.getOrDefault(h.hold().seq, List.of()))
                                .addAllIdentifiers(h.change().getIdentifiersList()).setCause(h.change().getCause())
                                .setHeldAt(ChangeMapper.ts(h.hold().heldAt)).setSequence(h.hold().seq));
                    }
                    return out.build();
                }));
    }

    @Override
    public Uni<ApproveHeldMergeResponse> approveHeldMerge(ApproveHeldMergeRequest request) {
        List<FieldViolation> bad = new ArrayList<>();
        required(request.getHoldId(), "hold_id", bad);
        required(request.getReason(), "reason", bad);
        fail(bad);
        return ledger.approve(config.space(), request.getHoldId(), cause(request.getReason()))
                .call(e -> outbox.drainSoon(config.space()))
                .map(e -> ApproveHeldMergeResponse.newBuilder().setChange(refusedFails(e)).build());
    }

    @Override
    public Uni<RejectHeldMergeResponse> rejectHeldMerge(RejectHeldMergeRequest request) {
        List<FieldViolation> bad = new ArrayList<>();
        required(request.getHoldId(), "hold_id", bad);
        required(request.getReason(), "reason", bad);
        fail(bad);
        return ledger.reject(config.space(), request.getHoldId(), cause(request.getReason()))
                .call(e -> outbox.drainSoon(config.space()))
                .map(e -> RejectHeldMergeResponse.newBuilder().setChange(ChangeMapper.toProto(e, java.util.Map.of()))
                        .build());
    }

    @Override
    public Uni<EraseSubjectResponse> eraseSubject(EraseSubjectRequest request) {
        List<FieldViolation> bad = new ArrayList<>();
        required(request.getErasureRequestId(), "erasure_request_id", bad);
        if (request.getIdentifiersCount() == 0) {
            bad.add(new FieldViolation("identifiers", "at least one identifier is required"));
        }
        List<Ident> ids = new ArrayList<>();
        for (int i = 0; i < request.getIdentifiersCount(); i++) {
            Ident id = normalized(request.getIdentifiers(i), "identifiers[" + i + "]", bad);
            if (id != null) {
                ids.add(id);
            }
        }
        fail(bad);
        return ledger.erase(config.space(), request.getErasureRequestId(), ids,
                cause(request.getErasureRequestId())).call(e -> outbox.drainSoon(config.space()))
                .map(erased -> EraseSubjectResponse.newBuilder().addAllProfileIds(erased.profileIds())
                        .addAllIdentifiers(erased.identifiers().stream().map(Ident::toProto).toList())
                        .setKeysDestroyed(erased.keysDestroyed()).setSequence(erased.sequence()).build());
    }

    /**
     * The change of an operator action; a REFUSED entry (a limit forbade the merge) is already in the log,
     * and the caller learns of it as a failed precondition.
     */
    private dev.cairn.proto.events.v1.IdentityChange refusedFails(LogEntry e) {
        if (IdentityChangeKind.IDENTITY_CHANGE_KIND_REFUSED.name().equals(e.kind)) {
            throw Status.FAILED_PRECONDITION.withDescription("refused by rule " + e.rule + " (log sequence "
                    + e.seq + ")").asRuntimeException();
        }
        return ChangeMapper.toProto(e, java.util.Map.of());
    }

    private Cause cause(String note) {
        String actor = caller == null || caller.isAnonymous() ? "" : caller.getPrincipal().getName();
        return Cause.operator(actor, note);
    }

    private Ident normalized(Identifier id, String field, List<FieldViolation> bad) {
        if (id.getNamespace().isBlank() || id.getValue().isBlank()) {
            bad.add(new FieldViolation(field, "namespace and value are required"));
            return null;
        }
        String ns = id.getNamespace().strip();
        return new Ident(ns, new IdentifierScreen(rules).normalize(ns, id.getValue()).orElse(id.getValue().strip()));
    }

    private static Resolution resolution(Hit hit) {
        Resolution.Builder r = Resolution.newBuilder().setIdentifier(hit.identifier().toProto()).setFound(hit.found());
        if (hit.found() && hit.ambiguous()) {
            // Shared by several people: attributed to no one, so a caller cannot personalize for the wrong one.
            r.setAmbiguous(true).addIdentifiers(hit.identifier().toProto());
        } else if (hit.found()) {
            r.setProfileId(hit.profileId()).addAllIdentifiers(hit.members().stream().map(Ident::toProto).toList());
        }
        return r.build();
    }

    private static void required(String value, String field, List<FieldViolation> bad) {
        if (value == null || value.isBlank()) {
            bad.add(new FieldViolation(field, "required"));
        }
    }

    private static int pageSize(int size, String field, List<FieldViolation> bad) {
        if (size < 0 || size > MAX_PAGE) {
            bad.add(new FieldViolation(field, "0 (default " + DEFAULT_PAGE + ") to " + MAX_PAGE));
        }
        return size == 0 ? DEFAULT_PAGE : size;
    }

    private static long token(String token, String field, List<FieldViolation> bad) {
        if (token.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(token);
        } catch (NumberFormatException e) {
            bad.add(new FieldViolation(field, "not a token this service issued"));
            return 0;
        }
    }

    private static void fail(List<FieldViolation> bad) {
        if (!bad.isEmpty()) {
            throw new InvalidRequestException(bad);
        }
    }
}
