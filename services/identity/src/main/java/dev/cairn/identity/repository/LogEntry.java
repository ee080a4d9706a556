package dev.cairn.identity.repository;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** One entry of the append-only identity log. Inserted once, never updated. */
@Entity
@Table(name = "identity_log")
public class LogEntry extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "identity_log_seq")
    @SequenceGenerator(name = "identity_log_seq", sequenceName = "identity_log_seq", allocationSize = 1)
    public Long seq;
    public String space;
    public String kind;
    @Column(name = "profile_id")
    public String profileId;
    /** Comma-separated. */
    @Column(name = "absorbed_profile_ids")
    public String absorbedProfileIds = "";
    /** Comma-separated. */
    @Column(name = "split_profile_ids")
    public String splitProfileIds = "";
    /** JSON list of {@code {n, h, c, to, from}}: namespace, keyed hash, encrypted value, move. */
    public String identifiers;
    public String rule;
    @Column(name = "message_id")
    public String messageId = "";
    @Column(name = "source_id")
    public String sourceId = "";
    public String actor = "";
    public String note = "";
    @Column(name = "occurred_at")
    public Instant occurredAt;
    @Column(name = "recorded_at")
    public Instant recordedAt;
    @Column(name = "hold_id")
    public String holdId = "";
}
