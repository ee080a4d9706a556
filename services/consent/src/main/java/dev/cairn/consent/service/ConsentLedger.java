package dev.cairn.consent.service;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.store.ConsentRecordEntity;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.events.v1.ConsentStatus;

/**
 * Appends grants and withdrawals to the ledger, all or nothing, then republishes the state of every identifier
 * linked to the subjects. The call completes only once the derived state is on Kafka.
 */
@ApplicationScoped
public class ConsentLedger {

    @Inject
    ConsentPolicy policy;

    @Inject
    StateRepublisher republisher;

    @Inject
    PrivacyAudit audit;

    @Inject
    MeterRegistry metrics;

    /**
     * Validates the batch (an invalid record fails everything before anything is written), appends it in one
     * transaction, and republishes state. Returns the ledger id per input, in order (the existing id for a
     * retried client_record_id).
     */
    public Uni<List<String>> record(List<ConsentRecordInput> inputs, String recordedBy) {
        RecordValidator.validate(policy, inputs);
        Instant now = Instant.now();
        Set<String> subjects = new LinkedHashSet<>();
        return Panache.withTransaction(() -> Multi.createFrom().iterable(inputs).onItem()
                .transformToUniAndConcatenate(input -> append(input, recordedBy, now, subjects)).collect().asList())
                .flatMap(ids -> republisher.republish(subjects).replaceWith(ids))
                // Propagation: from the call's arrival to every affected state being acknowledged on Kafka.
                .invoke(ids -> metrics.timer("cairn.consent.propagation").record(Duration.between(now, Instant.now())));
    }

    private Uni<String> append(ConsentRecordInput in, String recordedBy, Instant now, Set<String> subjects) {
        String key = SubjectKeys.key(in.getSubject().getNamespace(), in.getSubject().getValue());
        subjects.add(key);
        Uni<ConsentRecordEntity> existing = in.getClientRecordId().isEmpty()
                ? Uni.createFrom().nullItem()
                : ConsentRecordEntity.find("subjectKey = ?1 and clientRecordId = ?2", key, in.getClientRecordId())
                        .firstResult();
        return existing.flatMap(found -> {
            if (found != null) {
                return Uni.createFrom().item(found.id.toString());
            }
            ConsentRecordEntity r = toEntity(in, key, recordedBy, now);
            return r.persist().call(() -> audit.record(recordedBy, "consent.record", key,
                    r.purpose + " " + r.status + " (" + r.jurisdiction + ", " + r.source + ") record " + r.id))
                    .invoke(() -> metrics.counter("cairn.consent.records", "purpose", r.purpose, "status", r.status)
                            .increment())
                    .replaceWith(r.id.toString());
        });
    }

    ConsentRecordEntity toEntity(ConsentRecordInput in, String key, String recordedBy, Instant now) {
        ConsentRecordEntity r = new ConsentRecordEntity();
        r.id = UUID.randomUUID();
        r.subjectKey = key;
        int colon = key.indexOf(':');
        r.subjectNamespace = key.substring(0, colon);
        r.subjectValue = key.substring(colon + 1);
        r.purpose = in.getPurpose();
        r.jurisdictionIn = in.getJurisdiction();
        r.jurisdiction = policy.jurisdictionOrDefault(in.getJurisdiction());
        r.status = in.getStatus() == ConsentStatus.CONSENT_STATUS_GRANTED ? "GRANTED" : "WITHDRAWN";
        r.source = in.getSource();
        r.legalBasisIn = in.getLegalBasis();
        r.legalBasis = !in.getLegalBasis().isEmpty()
                ? in.getLegalBasis()
                : policy.rule(r.purpose, r.jurisdiction).map(ConsentPolicy.Rule::basis).orElse("consent");
        r.policyVersionIn = in.getPolicyVersion();
        r.policyVersion = !in.getPolicyVersion().isEmpty() ? in.getPolicyVersion() : policy.version();
        r.occurredAt = in.hasOccurredAt() ? StateDerivation.instant(in.getOccurredAt()) : now;
        r.recordedAt = now;
        r.recordedBy = recordedBy;
        r.clientRecordId = in.getClientRecordId().isEmpty() ? null : in.getClientRecordId();
        return r;
    }

}
