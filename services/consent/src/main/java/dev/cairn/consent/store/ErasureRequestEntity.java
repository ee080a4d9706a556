package dev.cairn.consent.store;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A tracked erasure request. The subject appears as a keyed hash, and in clear only until it is DONE. */
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
    /**
     * The identifier the request names ({@code namespace:value}), kept only while the request is not DONE so
     * that an interrupted or failed request can be resumed; cleared when it is DONE.
     */
    @Column(name = "pending_subject")
    public String pendingSubject;
    /** When an instance last took the request on; another resumes it only once this is stale. */
    @Column(name = "claimed_at")
    public Instant claimedAt;
}
