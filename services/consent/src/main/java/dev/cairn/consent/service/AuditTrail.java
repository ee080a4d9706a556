package dev.cairn.consent.service;

import java.util.ArrayList;
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
 * arrive). The read is recorded in the same transaction, so who looked at the trail is in the trail. Reads of
 * personal data other services answered arrive here asynchronously ({@code ReadAuditConsumer}): "newest first" is
 * the order entries were stored in, which for those is when consent consumed them, within about a second of the
 * read (the entry's {@code at} is the read's own time).
 */
@ApplicationScoped
public class AuditTrail {

    @Inject
    PrivacyAudit audit;

    public Uni<GetAuditTrailResponse> read(GetAuditTrailRequest request, String actor) {
        List<FieldViolation> problems = new ArrayList<>();
        ConsentDecider.subjectProblems("subject", request.getSubject(), problems);
        int size = PageTokens.size(request.getPageSize(), problems);
        long before = PageTokens.read(request.getPageToken(), problems).orElse(Long.MAX_VALUE);
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        String key = SubjectKeys.key(request.getSubject().getNamespace(), request.getSubject().getValue());
        String hash = audit.subjectHash(key);
        return Panache.withTransaction(() -> AuditEntryEntity.<AuditEntryEntity>find(
                "subjectHash = ?1 and id < ?2 order by id desc", hash, before).page(0, size).list()
                .call(() -> audit.record(actor, "privacy.audit.read",
                        key, before == Long.MAX_VALUE ? "first page" : "entries before " + before)))
                .map(entries -> {
                    GetAuditTrailResponse.Builder b = GetAuditTrailResponse.newBuilder();
                    entries.forEach(e -> b.addEntries(AuditEntry.newBuilder()
                            .setAt(StateDerivation.timestamp(e.at)).setActor(e.actor).setAction(e.action)
                            .setDetail(e.detail == null ? "" : e.detail).setClient(e.client == null ? "" : e.client)
                            .setPurpose(e.purpose == null ? "" : e.purpose)
                            .addAllDataKinds(e.dataKinds == null ? List.of() : List.of(e.dataKinds))));
                    if (entries.size() == size) {
                        b.setNextPageToken(PageTokens.write(entries.get(entries.size() - 1).id));
                    }
                    return b.build();
                });
    }
}
