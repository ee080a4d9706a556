package dev.cairn.consent.store;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** One row of the append-only consent ledger (a trigger refuses updates). */
@Entity
@Table(name = "consent_record")
public class ConsentRecordEntity extends PanacheEntityBase {

    @Id
    public UUID id;
    @Column(name = "subject_key")
    public String subjectKey;
    @Column(name = "subject_namespace")
    public String subjectNamespace;
    @Column(name = "subject_value")
    public String subjectValue;
    public String purpose;
    public String jurisdiction;
    @Column(name = "jurisdiction_in")
    public String jurisdictionIn;
    /** GRANTED or WITHDRAWN. */
    public String status;
    public String source;
    @Column(name = "legal_basis")
    public String legalBasis;
    @Column(name = "legal_basis_in")
    public String legalBasisIn;
    @Column(name = "policy_version")
    public String policyVersion;
    @Column(name = "policy_version_in")
    public String policyVersionIn;
    @Column(name = "occurred_at")
    public Instant occurredAt;
    @Column(name = "recorded_at")
    public Instant recordedAt;
    @Column(name = "recorded_by")
    public String recordedBy;
    @Column(name = "client_record_id")
    public String clientRecordId;

    public boolean granted() {
        return "GRANTED".equals(status);
    }
}
