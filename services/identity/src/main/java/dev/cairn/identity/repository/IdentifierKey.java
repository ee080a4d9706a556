package dev.cairn.identity.repository;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** The encryption key of one identifier's value. Deleting it is how a subject is erased from the log. */
@Entity
@Table(name = "identity_key")
public class IdentifierKey extends PanacheEntityBase {

    @Id
    public String hash;
    @Column(name = "key_bytes")
    public byte[] keyBytes;
    @Column(name = "created_at")
    public Instant createdAt;
}
