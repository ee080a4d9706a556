package dev.cairn.identity.repository;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** Two identifiers seen together, and the log entry that linked them (0: none). */
@Entity
@Table(name = "identity_edge")
public class GraphEdge extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public String space;
    public String a;
    public String b;
    public long seq;
}
