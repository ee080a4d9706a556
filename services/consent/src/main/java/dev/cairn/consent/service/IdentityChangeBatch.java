package dev.cairn.consent.service;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.cairn.consent.store.SubjectProfileRow;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;

/**
 * Applies a poll of identity's changes, in order, to the {@code subject_profile} rows they can touch, in memory:
 * exactly the rule one transaction per change applied before (an identifier's row keeps the sequence of the change
 * that set it; an older or repeated change does not move it back, so redelivery and out-of-order changes are
 * harmless). Pure, so a test can compare it with applying the changes one by one.
 * <p>
 * The rows given must be closed under the poll: every row of an identifier the poll names and every row of a
 * profile it names (profile, absorbed and split profile ids). A row only ever moves into a profile the poll names,
 * so the members of each named profile are known at every step.
 */
public final class IdentityChangeBatch {

    /**
     * What the poll changed, and whose state must be derived again.
     *
     * @param detached keys whose row the poll deleted at some point, with the sequence of the first change that
     *        deleted it (the stored row is older than that); deleted first, then {@code written} is upserted
     * @param written every row the poll created or moved, as it stands after the poll
     * @param affected the identifiers whose consent state changes may have moved, once each
     */
    public record Outcome(Map<String, Long> detached, List<SubjectProfileRow> written, Set<String> affected) {
    }

    private final Map<String, SubjectProfileRow> loaded;
    private final Map<String, SubjectProfileRow> rows;
    private final Map<String, Long> detached = new LinkedHashMap<>();
    private final Set<String> deletedByIdentity = new HashSet<>();

    private IdentityChangeBatch(Collection<SubjectProfileRow> stored) {
        loaded = new LinkedHashMap<>();
        stored.forEach(r -> loaded.put(r.subjectKey(), r));
        rows = new LinkedHashMap<>(loaded);
    }

    /** The identifier keys of a change (blank identifiers are skipped, as they always were). */
    public static List<String> keys(IdentityChange change) {
        return change.getIdentifiersList().stream().filter(i -> !i.getNamespace().isBlank() && !i.getValue().isBlank())
                .map(IdentityChangeBatch::key).distinct().toList();
    }

    /** Every profile id a change names: whose members it reads or moves. */
    public static Set<String> profiles(IdentityChange change) {
        Set<String> named = new LinkedHashSet<>();
        named.add(change.getProfileId());
        named.addAll(change.getAbsorbedProfileIdsList());
        named.addAll(change.getSplitProfileIdsList());
        if (change.getAbsorbedProfileIdsList().isEmpty()
                && change.getKind() == dev.cairn.proto.events.v1.IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED) {
            // A merge that names no absorbed profile moves the rows of profile "" (the per-change SQL's `in ('')`).
            named.add("");
        }
        return named;
    }

    /** Applies the changes in order to {@code stored} (closed under them, see the class comment). */
    public static Outcome apply(Collection<SubjectProfileRow> stored, List<IdentityChange> changes) {
        IdentityChangeBatch batch = new IdentityChangeBatch(stored);
        Set<String> affected = new LinkedHashSet<>();
        for (IdentityChange change : changes) {
            affected.addAll(batch.apply(change));
        }
        // An identifier identity deleted (erasure) and that no later change of the poll brought back is not
        // republished: its consent is the erasure's to tombstone, and a state derived after the poll would
        // resurrect it. Applied one by one, its last state was published before the deletion.
        affected.removeIf(k -> batch.deletedByIdentity.contains(k) && !batch.rows.containsKey(k));
        List<SubjectProfileRow> written = new ArrayList<>();
        batch.rows.forEach((k, row) -> {
            if (batch.detached.containsKey(k) || !Objects.equals(batch.loaded.get(k), row)) {
                written.add(row);
            }
        });
        return new Outcome(Map.copyOf(batch.detached), written, affected);
    }

    private Set<String> apply(IdentityChange change) {
        Set<String> affected = new LinkedHashSet<>();
        long seq = change.getSequence();
        String profile = change.getProfileId();
        List<String> ids = keys(change);
        affected.addAll(ids);
        switch (change.getKind()) {
            case IDENTITY_CHANGE_KIND_LINKED -> {
                assign(ids, profile, seq);
                affected.addAll(members(profile));
            }
            case IDENTITY_CHANGE_KIND_MERGED -> {
                Set<String> absorbed = change.getAbsorbedProfileIdsList().isEmpty()
                        ? Set.of("")
                        : Set.copyOf(change.getAbsorbedProfileIdsList());
                rows.replaceAll((k, r) -> absorbed.contains(r.profileId()) && r.identitySequence() < seq
                        ? r.movedTo(profile, seq)
                        : r);
                assign(ids, profile, seq);
                affected.addAll(members(profile));
            }
            case IDENTITY_CHANGE_KIND_SPLIT, IDENTITY_CHANGE_KIND_AMBIGUOUS -> {
                // The members before the split: each of them may lose the others' choices.
                affected.addAll(members(profile));
                if (change.getSplitProfileIdsCount() == 1) {
                    assign(ids, change.getSplitProfileIds(0), seq);
                } else {
                    // Which identifier went to which new profile is not in the change: detach them, so no choice
                    // is carried across a split on a guess.
                    detach(ids, seq);
                }
            }
            case IDENTITY_CHANGE_KIND_DELETED -> {
                detach(ids, seq);
                deletedByIdentity.addAll(ids);
                affected.clear();
            }
            default -> affected.clear();
        }
        return affected;
    }

    private void assign(List<String> ids, String profile, long seq) {
        for (String key : ids) {
            SubjectProfileRow row = rows.get(key);
            if (row == null) {
                rows.put(key, SubjectProfileRow.of(key, profile, seq));
            } else if (row.identitySequence() < seq) {
                rows.put(key, row.movedTo(profile, seq));
            }
        }
    }

    private void detach(List<String> ids, long seq) {
        for (String key : ids) {
            SubjectProfileRow row = rows.get(key);
            if (row != null && row.identitySequence() < seq) {
                rows.remove(key);
                detached.putIfAbsent(key, seq);
            }
        }
    }

    private List<String> members(String profile) {
        return rows.values().stream().filter(r -> r.profileId().equals(profile)).map(SubjectProfileRow::subjectKey)
                .toList();
    }

    private static String key(Identifier i) {
        return SubjectKeys.key(i.getNamespace(), i.getValue());
    }
}
