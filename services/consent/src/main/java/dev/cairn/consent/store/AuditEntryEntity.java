package dev.cairn.consent.store;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * One audit entry: who did or read what about which subject (a keyed hash), when. Append-only (a trigger refuses
 * UPDATE and DELETE). Entries of reads of personal data ({@code ReadAuditStore}) also name the caller's client, the
 * purpose and the kinds of data read, and the read's record id.
 */
@Entity
@Table(name = "audit_entry")
public class AuditEntryEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public Instant at;
    public String actor;
    public String action;
    @Column(name = "subject_hash")
    public String subjectHash;
    public String detail;
    @Column(name = "record_id")
    public String recordId;
    public String client;
    public String purpose;
    @Column(name = "data_kinds")
    public String[] dataKinds;
}
