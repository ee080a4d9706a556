package dev.cairn.consent.store;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A tracked erasure request. The subject appears only as a keyed hash. */
@Entity
@Table(name = "erasure_request")
public class ErasureRequestEntity extends PanacheEntityBase {

    @Id
    public UUID id;
    @Column(name = "client_request_id")
    public String clientRequestId;
    @Column(name = "subject_hash")
    public String subjectHash;
    public String reason;
    @Column(name = "requested_by")
    public String requestedBy;
    @Column(name = "requested_at")
    public Instant requestedAt;
    @Column(name = "completed_at")
    public Instant completedAt;
    /** PENDING, DONE or FAILED. */
    public String status;
}
