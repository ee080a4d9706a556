package dev.cairn.identity.repository;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** Which profile an identifier is in now (derived from the log in the same transaction). */
@Entity
@Table(name = "identity_node")
public class GraphNode extends PanacheEntityBase {

    /** {@code space|hash}. */
    @Id
    public String id;
    public String space;
    public String hash;
    public String namespace;
    public String cipher;
    @Column(name = "profile_id")
    public String profileId;
    public boolean ambiguous;
    @Column(name = "linked_at")
    public Instant linkedAt;

    public static String id(String space, String hash) {
        return space + "|" + hash;
    }
}
