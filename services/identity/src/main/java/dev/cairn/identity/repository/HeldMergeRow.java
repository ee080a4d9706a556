package dev.cairn.identity.repository;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A merge held for review: PENDING until approved or rejected. The HELD log entry holds its details. */
@Entity
@Table(name = "identity_hold")
public class HeldMergeRow extends PanacheEntityBase {

    public static final String PENDING = "PENDING";
    public static final String APPROVED = "APPROVED";
    public static final String REJECTED = "REJECTED";

    @Id
    @Column(name = "hold_id")
    public String holdId;
    public String space;
    public long seq;
    public String status;
    /** Keyed hashes of the identifiers seen together, comma-separated. */
    public String identifiers;
    @Column(name = "held_at")
    public Instant heldAt;
}
