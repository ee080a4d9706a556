package dev.cairn.consent.service;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.Timestamp;

import dev.cairn.consent.store.ConsentRecordEntity;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.PurposeConsent;

/**
 * Derives current state from the ledger: over the records of every identifier of a profile, the latest explicit
 * choice per purpose wins (by the time the subject chose; a withdrawal wins a tie, then the later-recorded
 * record). Pure, so the property test can check it against a model.
 */
public final class StateDerivation {

    /** Orders records so that the one that decides comes last. */
    public static final Comparator<ConsentRecordEntity> PRECEDENCE = Comparator
            .comparing((ConsentRecordEntity r) -> r.occurredAt)
            .thenComparing(r -> !r.granted() ? 1 : 0)
            .thenComparing(r -> r.recordedAt)
            .thenComparing(r -> r.id);

    private StateDerivation() {
    }

    /** The deciding record per purpose. */
    public static Map<String, ConsentRecordEntity> latestPerPurpose(Collection<ConsentRecordEntity> records) {
        Map<String, ConsentRecordEntity> latest = new LinkedHashMap<>();
        for (ConsentRecordEntity r : records) {
            latest.merge(r.purpose, r, (a, b) -> PRECEDENCE.compare(a, b) >= 0 ? a : b);
        }
        return latest;
    }

    /** The state published for one identifier of a profile. */
    public static ConsentState state(Identifier subject, String profileId, Collection<ConsentRecordEntity> records,
            long stateVersion, Instant now) {
        ConsentState.Builder state = ConsentState.newBuilder().setSubject(subject).setProfileId(profileId)
                .setStateVersion(stateVersion).setUpdatedAt(timestamp(now));
        List<ConsentRecordEntity> deciding = latestPerPurpose(records).values().stream()
                .sorted(Comparator.comparing(r -> r.purpose)).toList();
        for (ConsentRecordEntity r : deciding) {
            state.addPurposes(PurposeConsent.newBuilder().setPurpose(r.purpose).setJurisdiction(r.jurisdiction)
                    .setStatus(
                            r.granted() ? ConsentStatus.CONSENT_STATUS_GRANTED : ConsentStatus.CONSENT_STATUS_WITHDRAWN)
                    .setReason(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE).setPolicyVersion(r.policyVersion)
                    .setRecordedAt(timestamp(r.occurredAt)).setRecordId(r.id.toString())
                    .setDecidedBy(Identifier.newBuilder().setNamespace(r.subjectNamespace).setValue(r.subjectValue)));
        }
        return state.build();
    }

    public static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    public static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
