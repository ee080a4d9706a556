package dev.cairn.consent.service;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.store.AuditEntryEntity;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.consent.v1.AuditEntry;
import dev.cairn.proto.consent.v1.GetAuditTrailRequest;
import dev.cairn.proto.consent.v1.GetAuditTrailResponse;

/**
 * Reads a subject identifier's audit trail, newest first, in pages keyed by entry id (stable while new entries
 * arrive). The read is recorded in the same transaction, so who looked at the trail is in the trail.
 */
@ApplicationScoped
public class AuditTrail {

    @Inject
    PrivacyAudit audit;

    public Uni<GetAuditTrailResponse> read(GetAuditTrailRequest request, String actor) {
        List<FieldViolation> problems = new ArrayList<>();
        ConsentDecider.subjectProblems("subject", request.getSubject(), problems);
        if (request.getPageSize() < 0 || request.getPageSize() > 1000) {
            problems.add(new FieldViolation("page_size", "between 0 (default 100) and 1000"));
        }
        long before = Long.MAX_VALUE;
        if (!request.getPageToken().isEmpty()) {
            try {
                before = Long.parseLong(new String(Base64.getUrlDecoder().decode(request.getPageToken()),
                        StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                problems.add(new FieldViolation("page_token", "not a token this service issued"));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        int size = request.getPageSize() == 0 ? 100 : request.getPageSize();
        long below = before;
        String key = SubjectKeys.key(request.getSubject().getNamespace(), request.getSubject().getValue());
        String hash = audit.subjectHash(key);
        return Panache.withTransaction(() -> AuditEntryEntity.<AuditEntryEntity>find(
                "subjectHash = ?1 and id < ?2 order by id desc", hash, below).page(0, size).list()
                .call(() -> audit.record(actor, "privacy.audit.read",
                        key, below == Long.MAX_VALUE ? "first page" : "entries before " + below)))
                .map(entries -> {
                    GetAuditTrailResponse.Builder b = GetAuditTrailResponse.newBuilder();
                    entries.forEach(e -> b.addEntries(AuditEntry.newBuilder()
                            .setAt(StateDerivation.timestamp(e.at)).setActor(e.actor).setAction(e.action)
                            .setDetail(e.detail == null ? "" : e.detail)));
                    if (entries.size() == size) {
                        b.setNextPageToken(Base64.getUrlEncoder().withoutPadding().encodeToString(
                                Long.toString(entries.get(entries.size() - 1).id).getBytes(StandardCharsets.UTF_8)));
                    }
                    return b.build();
                });
    }
}
