package dev.cairn.identity.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** That a log entry concerns a profile (as its subject, an absorbed or a split-off profile). */
@Entity
@Table(name = "identity_log_profile")
public class LogProfileRef extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public long seq;
    @Column(name = "profile_id")
    public String profileId;

    public static LogProfileRef of(long seq, String profileId) {
        LogProfileRef ref = new LogProfileRef();
        ref.seq = seq;
        ref.profileId = profileId;
        return ref;
    }
}
