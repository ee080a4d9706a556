package dev.cairn.identity.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A graph space: its row lock serializes the space's writers; published_seq is its outbox cursor. */
@Entity
@Table(name = "identity_space")
public class SpaceRow extends PanacheEntityBase {

    @Id
    public String space;
    @Column(name = "published_seq")
    public long publishedSeq;
}
