package dev.cairn.consent.store;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** One step of an erasure request and its outcome. */
@Entity
@Table(name = "erasure_step")
@IdClass(ErasureStepEntity.Key.class)
public class ErasureStepEntity extends PanacheEntityBase {

    @Id
    @Column(name = "request_id")
    public UUID requestId;
    /** The ErasureStepKind name without prefix: IDENTITY, SEGMENTS, INGEST_SUPPRESSION, TOPIC_TOMBSTONES, SINK_NOTICE. */
    @Id
    public String kind;
    public int position;
    /** PENDING, DONE or FAILED. */
    public String status;
    public String detail;
    @Column(name = "updated_at")
    public Instant updatedAt;
    public int attempts;

    public static class Key implements Serializable {
        public UUID requestId;
        public String kind;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(requestId, k.requestId) && Objects.equals(kind, k.kind);
        }

        @Override
        public int hashCode() {
            return Objects.hash(requestId, kind);
        }
    }
}
