package dev.cairn.consent;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.store.ProfileDirectory;
import dev.cairn.consent.store.SubjectProfileEntity;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;

/**
 * The reference for {@code IdentityChangeBatch}: consent's per-change applier as it ran in production before
 * changes were applied a poll at a time (one transaction and one findById per identifier per change), kept
 * unchanged. Applies identity's changes to {@code subject_profile}, idempotently (an identifier's row keeps the sequence of
 * the change that set it; an older or repeated change does not move it back). Returns the identifiers whose
 * consent state must be derived again. Runs inside the caller's transaction.
 */
@ApplicationScoped
public class PerChangeApplier {

    @Inject
    ProfileDirectory profiles;

    public Uni<Set<String>> apply(IdentityChange change) {
        Set<String> affected = new LinkedHashSet<>();
        long seq = change.getSequence();
        String profile = change.getProfileId();
        List<Identifier> ids = change.getIdentifiersList().stream()
                .filter(i -> !i.getNamespace().isBlank() && !i.getValue().isBlank()).toList();
        ids.forEach(i -> affected.add(key(i)));
        return switch (change.getKind()) {
            case IDENTITY_CHANGE_KIND_LINKED -> assign(ids, profile, seq).chain(() -> membersInto(profile, affected));
            case IDENTITY_CHANGE_KIND_MERGED -> SubjectProfileEntity
                    .update("profileId = ?1, identitySequence = ?2 where profileId in ?3 and identitySequence < ?2",
                            profile, seq, change.getAbsorbedProfileIdsList().isEmpty()
                                    ? List.of("")
                                    : change.getAbsorbedProfileIdsList())
                    .chain(() -> assign(ids, profile, seq)).chain(() -> membersInto(profile, affected));
            case IDENTITY_CHANGE_KIND_SPLIT, IDENTITY_CHANGE_KIND_AMBIGUOUS -> membersInto(profile, affected)
                    .chain(() -> change.getSplitProfileIdsCount() == 1
                            ? assign(ids, change.getSplitProfileIds(0), seq)
                            // Which identifier went to which new profile is not in the change: detach them, so no
                            // choice is carried across a split on a guess.
                            : detach(ids, seq))
                    .replaceWith(affected);
            case IDENTITY_CHANGE_KIND_DELETED -> detach(ids, seq).replaceWith(Set.<String>of());
            default -> Uni.createFrom().item(Set.<String>of());
        };
    }

    private Uni<Set<String>> membersInto(String profile, Set<String> affected) {
        return profiles.members(profile).map(ms -> {
            ms.forEach(m -> affected.add(m.subjectKey));
            return affected;
        });
    }

    private Uni<Void> assign(List<Identifier> ids, String profile, long seq) {
        return Multi.createFrom().iterable(ids).onItem().transformToUniAndConcatenate(i -> {
            String key = key(i);
            return SubjectProfileEntity.<SubjectProfileEntity>findById(key).flatMap(row -> {
                if (row == null) {
                    SubjectProfileEntity p = new SubjectProfileEntity();
                    p.subjectKey = key;
                    p.subjectNamespace = key.substring(0, key.indexOf(':'));
                    p.subjectValue = key.substring(key.indexOf(':') + 1);
                    p.profileId = profile;
                    p.identitySequence = seq;
                    return p.persist().replaceWithVoid();
                }
                if (row.identitySequence < seq) {
                    row.profileId = profile;
                    row.identitySequence = seq;
                }
                return Uni.createFrom().voidItem();
            });
        }).collect().last().replaceWithVoid();
    }

    private Uni<Void> detach(List<Identifier> ids, long seq) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return SubjectProfileEntity
                .delete("subjectKey in ?1 and identitySequence < ?2",
                        ids.stream().map(PerChangeApplier::key).toList(),
                        seq)
                .replaceWithVoid();
    }

    static String key(Identifier i) {
        return SubjectKeys.key(i.getNamespace(), i.getValue());
    }
}
