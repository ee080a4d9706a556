package dev.cairn.consent.grpc;

import jakarta.inject.Inject;

import io.quarkus.grpc.GrpcService;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.service.AuditTrail;
import dev.cairn.consent.service.ConsentDecider;
import dev.cairn.consent.service.ConsentHistory;
import dev.cairn.consent.service.ConsentLedger;
import dev.cairn.consent.service.ErasureCoordinator;
import dev.cairn.consent.service.SubjectExport;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecideResponse;
import dev.cairn.proto.consent.v1.ExportSubjectRequest;
import dev.cairn.proto.consent.v1.ExportSubjectResponse;
import dev.cairn.proto.consent.v1.GetAuditTrailRequest;
import dev.cairn.proto.consent.v1.GetAuditTrailResponse;
import dev.cairn.proto.consent.v1.GetConsentHistoryRequest;
import dev.cairn.proto.consent.v1.GetConsentHistoryResponse;
import dev.cairn.proto.consent.v1.GetConsentStateRequest;
import dev.cairn.proto.consent.v1.GetConsentStateResponse;
import dev.cairn.proto.consent.v1.GetErasureRequestRequest;
import dev.cairn.proto.consent.v1.GetErasureRequestResponse;
import dev.cairn.proto.consent.v1.MutinyConsentServiceGrpc;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.consent.v1.RecordConsentResponse;
import dev.cairn.proto.consent.v1.RequestErasureRequest;
import dev.cairn.proto.consent.v1.RequestErasureResponse;

/** Thin adapter: translates, names the caller, and delegates to the service layer. */
@GrpcService
public class ConsentGrpcService extends MutinyConsentServiceGrpc.ConsentServiceImplBase {

    @Inject
    ConsentLedger ledger;

    @Inject
    ConsentDecider decider;

    @Inject
    ConsentHistory history;

    @Inject
    ErasureCoordinator erasure;

    @Inject
    SubjectExport export;

    @Inject
    AuditTrail auditTrail;

    @Inject
    SecurityIdentity identity;

    @Override
    public Uni<RecordConsentResponse> recordConsent(RecordConsentRequest request) {
        String caller = caller();
        return Uni.createFrom().deferred(() -> ledger.record(request.getRecordsList(), caller))
                .map(ids -> RecordConsentResponse.newBuilder().addAllRecordIds(ids).build());
    }

    @Override
    public Uni<DecideResponse> decide(DecideRequest request) {
        return Uni.createFrom()
                .item(() -> DecideResponse.newBuilder().addAllDecisions(decider.decide(request.getQueriesList()))
                        .build());
    }

    @Override
    public Uni<GetConsentStateResponse> getConsentState(GetConsentStateRequest request) {
        return Uni.createFrom()
                .item(() -> GetConsentStateResponse.newBuilder().setState(decider.state(request.getSubject())).build());
    }

    @Override
    public Uni<GetConsentHistoryResponse> getConsentHistory(GetConsentHistoryRequest request) {
        String caller = caller();
        return Uni.createFrom().deferred(() -> history.history(request, caller));
    }

    @Override
    public Uni<RequestErasureResponse> requestErasure(RequestErasureRequest request) {
        String caller = caller();
        return Uni.createFrom().deferred(() -> erasure.request(request, caller))
                .map(id -> RequestErasureResponse.newBuilder().setRequestId(id).build());
    }

    @Override
    public Uni<GetErasureRequestResponse> getErasureRequest(GetErasureRequestRequest request) {
        String caller = caller();
        return Uni.createFrom().deferred(() -> erasure.get(request.getRequestId(), caller));
    }

    @Override
    public Uni<ExportSubjectResponse> exportSubject(ExportSubjectRequest request) {
        String caller = caller();
        return Uni.createFrom().deferred(() -> export.export(request, caller));
    }

    @Override
    public Uni<GetAuditTrailResponse> getAuditTrail(GetAuditTrailRequest request) {
        String caller = caller();
        return Uni.createFrom().deferred(() -> auditTrail.read(request, caller));
    }

    private String caller() {
        return identity == null || identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName();
    }

}
