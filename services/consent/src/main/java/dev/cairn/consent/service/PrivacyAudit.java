package dev.cairn.consent.service;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;

import dev.cairn.consent.ConsentConfig;
import dev.cairn.consent.store.AuditEntryEntity;
import dev.cairn.platform.consent.SubjectKeys;

/**
 * The audit trail: every change and every read of a subject's data through the privacy RPCs, with the caller's
 * identity. Subjects are written as keyed hashes so the trail itself survives an erasure without personal values.
 * Callers run inside a Hibernate Reactive transaction, so an audited action and its audit entry commit together.
 */
@ApplicationScoped
public class PrivacyAudit {

    @Inject
    ConsentConfig config;

    public String subjectHash(String subjectKey) {
        return SubjectKeys.suppressionHash(subjectKey, config.suppressionKey());
    }

    public Uni<Void> record(String actor, String action, String subjectKey, String detail) {
        AuditEntryEntity e = new AuditEntryEntity();
        e.at = Instant.now();
        e.actor = actor;
        e.action = action;
        e.subjectHash = subjectHash(subjectKey);
        e.detail = detail;
        return e.persist().replaceWithVoid();
    }
}
