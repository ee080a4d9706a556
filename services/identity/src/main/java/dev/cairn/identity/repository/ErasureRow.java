package dev.cairn.identity.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** An erasure done, by consent's request id; no identifier values. */
@Entity
@Table(name = "identity_erasure")
public class ErasureRow extends PanacheEntityBase {

    @Id
    @Column(name = "request_id")
    public String requestId;
    public String space;
    public long seq;
    /** Comma-separated. */
    @Column(name = "profile_ids")
    public String profileIds;
    @Column(name = "keys_destroyed")
    public int keysDestroyed;
}
