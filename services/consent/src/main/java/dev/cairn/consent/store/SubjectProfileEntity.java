package dev.cairn.consent.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** Which profile an identifier belongs to, as identity's changes said (consent follows identity). */
@Entity
@Table(name = "subject_profile")
public class SubjectProfileEntity extends PanacheEntityBase {

    @Id
    @Column(name = "subject_key")
    public String subjectKey;
    @Column(name = "subject_namespace")
    public String subjectNamespace;
    @Column(name = "subject_value")
    public String subjectValue;
    @Column(name = "profile_id")
    public String profileId;
    @Column(name = "identity_sequence")
    public long identitySequence;
}
