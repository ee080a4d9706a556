package dev.cairn.consent.service;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.store.ConsentRecordEntity;
import dev.cairn.consent.store.ProfileDirectory;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.consent.v1.ConsentRecord;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.consent.v1.GetConsentHistoryRequest;
import dev.cairn.proto.consent.v1.GetConsentHistoryResponse;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;

/** A subject's consent records (of every identifier linked to it), newest first, from the ledger. */
@ApplicationScoped
public class ConsentHistory {

    @Inject
    ProfileDirectory profiles;

    @Inject
    ConsentPolicy policy;

    @Inject
    PrivacyAudit audit;

    public Uni<GetConsentHistoryResponse> history(GetConsentHistoryRequest request, String actor) {
        List<FieldViolation> problems = new ArrayList<>();
        ConsentDecider.subjectProblems("subject", request.getSubject(), problems);
        if (!request.getPurpose().isEmpty() && !policy.isPurpose(request.getPurpose())) {
            problems.add(new FieldViolation("purpose", "unknown purpose '" + request.getPurpose() + "'"));
        }
        int size = PageTokens.size(request.getPageSize(), problems);
        long offset = PageTokens.read(request.getPageToken(), problems).orElse(0);
        if (offset < 0 || offset > Integer.MAX_VALUE) {
            problems.add(new FieldViolation("page_token", "not a token this service issued"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        int from = (int) offset;
        String key = SubjectKeys.key(request.getSubject().getNamespace(), request.getSubject().getValue());
        return Panache.withTransaction(() -> profiles.linkedKeys(key).flatMap(keys -> {
            var query = request.getPurpose().isEmpty()
                    ? ConsentRecordEntity.<ConsentRecordEntity>find("subjectKey in ?1", newestFirst(), keys)
                    : ConsentRecordEntity.<ConsentRecordEntity>find("subjectKey in ?1 and purpose = ?2", newestFirst(),
                            keys, request.getPurpose());
            return query.range(from, from + size - 1).list()
                    .call(() -> audit.record(actor, "consent.history.read", key, "records from " + from));
        })).map(records -> {
            GetConsentHistoryResponse.Builder b = GetConsentHistoryResponse.newBuilder();
            records.forEach(r -> b.addRecords(toProto(r)));
            if (records.size() == size) {
                b.setNextPageToken(PageTokens.write(from + size));
            }
            return b.build();
        });
    }

    /** Every record of the given identifiers, newest first (export). Runs inside the caller's session. */
    public Uni<List<ConsentRecord>> all(List<String> keys) {
        return ConsentRecordEntity.<ConsentRecordEntity>list("subjectKey in ?1", newestFirst(), keys)
                .map(rs -> rs.stream().map(ConsentHistory::toProto).toList());
    }

    static Sort newestFirst() {
        return Sort.by("occurredAt", Sort.Direction.Descending).and("recordedAt", Sort.Direction.Descending);
    }

    static ConsentRecord toProto(ConsentRecordEntity r) {
        ConsentRecordInput.Builder in = ConsentRecordInput.newBuilder()
                .setSubject(Identifier.newBuilder().setNamespace(r.subjectNamespace).setValue(r.subjectValue))
                .setPurpose(r.purpose).setJurisdiction(r.jurisdictionIn)
                .setStatus(r.granted() ? ConsentStatus.CONSENT_STATUS_GRANTED : ConsentStatus.CONSENT_STATUS_WITHDRAWN)
                .setSource(r.source).setLegalBasis(r.legalBasisIn).setPolicyVersion(r.policyVersionIn)
                .setOccurredAt(StateDerivation.timestamp(r.occurredAt));
        if (r.clientRecordId != null) {
            in.setClientRecordId(r.clientRecordId);
        }
        return ConsentRecord.newBuilder().setRecordId(r.id.toString()).setInput(in).setJurisdiction(r.jurisdiction)
                .setLegalBasis(r.legalBasis).setPolicyVersion(r.policyVersion)
                .setRecordedAt(StateDerivation.timestamp(r.recordedAt)).setRecordedBy(r.recordedBy).build();
    }

}
