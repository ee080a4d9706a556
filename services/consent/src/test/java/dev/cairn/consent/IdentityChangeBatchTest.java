package dev.cairn.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.cairn.consent.service.IdentityChangeBatch;
import dev.cairn.consent.store.SubjectProfileRow;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/** The in-memory rule of a poll, on the cases the random comparison with the per-change applier hits rarely. */
class IdentityChangeBatchTest {

    private static final Identifier A = Identifier.newBuilder().setNamespace("anonymous_id").setValue("a").build();
    private static final Identifier U = Identifier.newBuilder().setNamespace("user_id").setValue("u").build();

    private static IdentityChange change(long seq, IdentityChangeKind kind, String profile, Identifier... ids) {
        return IdentityChange.newBuilder().setSequence(seq).setKind(kind).setProfileId(profile)
                .addAllIdentifiers(List.of(ids)).build();
    }

    @Test
    void an_older_or_repeated_change_does_not_move_a_row_back_and_writes_nothing() {
        List<SubjectProfileRow> stored = List.of(SubjectProfileRow.of("anonymous_id:a", "p2", 20));
        IdentityChangeBatch.Outcome outcome = IdentityChangeBatch.apply(stored, List.of(
                change(10, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, "p1", A),
                change(20, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, "p2", A)));
        assertEquals(List.of(), outcome.written());
        assertEquals(Map.of(), outcome.detached());
        // Still republished: a redelivered poll publishes its states again (they may not have gone out).
        assertEquals(Set.of("anonymous_id:a"), outcome.affected());
    }

    @Test
    void a_row_detached_then_linked_again_by_an_older_change_is_deleted_and_inserted_at_that_change() {
        List<SubjectProfileRow> stored = List.of(SubjectProfileRow.of("anonymous_id:a", "p1", 10));
        IdentityChangeBatch.Outcome outcome = IdentityChangeBatch.apply(stored, List.of(
                change(30, IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT, "p1", A),
                change(5, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, "p9", A)));
        // The upsert's sequence guard alone would keep the stored row (10 > 5): the delete goes first.
        assertEquals(Map.of("anonymous_id:a", 30L), outcome.detached());
        assertEquals(List.of(SubjectProfileRow.of("anonymous_id:a", "p9", 5)), outcome.written());
    }

    @Test
    void an_identifier_identity_deleted_in_the_poll_is_not_republished_unless_linked_again() {
        IdentityChangeBatch.Outcome deleted = IdentityChangeBatch.apply(List.of(), List.of(
                change(1, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, "p1", A, U),
                change(2, IdentityChangeKind.IDENTITY_CHANGE_KIND_DELETED, "p1", A)));
        assertEquals(Set.of("user_id:u"), deleted.affected());
        assertEquals(List.of(SubjectProfileRow.of("user_id:u", "p1", 1)), deleted.written());
        IdentityChangeBatch.Outcome back = IdentityChangeBatch.apply(List.of(), List.of(
                change(1, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, "p1", A, U),
                change(2, IdentityChangeKind.IDENTITY_CHANGE_KIND_DELETED, "p1", A),
                change(3, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, "p1", A)));
        assertTrue(back.affected().contains("anonymous_id:a"));
    }
}
