package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.MergeRequest;
import dev.cairn.proto.identity.v1.MergeResponse;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.identity.v1.UnmergeRequest;
import dev.cairn.proto.identity.v1.UnmergeResponse;

/** Must hold: unmerge restores the profiles as they were before the merge, and the log explains both. */
@QuarkusTest
class UnmergeTest {

    @Test
    void unmerge_restores_the_profiles_as_they_were_and_the_log_explains_both() {
        Identifier anon = id("anonymous_id", IdentityFixture.unique("a"));
        Identifier device = id("device_id", IdentityFixture.unique("d"));
        Identifier user = id("user_id", IdentityFixture.unique("u"));
        Identifier email = id("email", IdentityFixture.unique("u") + "@mail.example.net");
        IdentityFixture.publish(IdentityFixture.links(anon, device), IdentityFixture.links(user, email));

        ManagedChannel channel = IdentityFixture.channel();
        try {
            Resolution before1 = IdentityFixture.awaitResolution(channel, anon, r -> r.getIdentifiersCount() == 2);
            Resolution before2 = IdentityFixture.awaitResolution(channel, user, r -> r.getIdentifiersCount() == 2);
            var operator = IdentityFixture.stub(channel, "identity.operator");

            MergeResponse merged = operator.merge(MergeRequest.newBuilder().setTargetProfileId(before2.getProfileId())
                    .setSourceProfileId(before1.getProfileId()).setReason("support ticket 7").build());
            assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED, merged.getChange().getKind());
            IdentityFixture.awaitResolution(channel, anon, r -> r.getProfileId().equals(before2.getProfileId())
                    && r.getIdentifiersCount() == 4);

            UnmergeResponse split = operator.unmerge(UnmergeRequest.newBuilder().setProfileId(before2.getProfileId())
                    .setMergeSequence(merged.getChange().getSequence()).setReason("wrong person").build());
            assertEquals(List.of(before1.getProfileId()), split.getChange().getSplitProfileIdsList());

            Resolution after1 = IdentityFixture.awaitResolution(channel, anon,
                    r -> r.getProfileId().equals(before1.getProfileId()));
            Resolution after2 = IdentityFixture.resolve(channel, user);
            assertEquals(Set.copyOf(before1.getIdentifiersList()), Set.copyOf(after1.getIdentifiersList()));
            assertEquals(before2.getProfileId(), after2.getProfileId());
            assertEquals(Set.copyOf(before2.getIdentifiersList()), Set.copyOf(after2.getIdentifiersList()));

            List<IdentityChange> history = operator.explainProfile(ExplainProfileRequest.newBuilder()
                    .setProfileId(before2.getProfileId()).build()).getEntriesList();
            IdentityChange merge = history.stream()
                    .filter(c -> c.getKind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED).findFirst()
                    .orElseThrow();
            IdentityChange unmerge = history.stream()
                    .filter(c -> c.getKind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT).findFirst()
                    .orElseThrow();
            assertEquals("support ticket 7", merge.getCause().getNote());
            assertEquals("test-client", merge.getCause().getActor());
            assertEquals("wrong person", unmerge.getCause().getNote());
            assertTrue(merge.getSequence() < unmerge.getSequence());
            assertTrue(history.stream().anyMatch(c -> c.getKind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED
                    && c.getIdentifiersList().contains(user)), "the history starts with the link that made it");

            StatusRuntimeException again = assertThrows(StatusRuntimeException.class,
                    () -> operator.unmerge(UnmergeRequest.newBuilder().setProfileId(before2.getProfileId())
                            .setMergeSequence(merged.getChange().getSequence()).setReason("twice").build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, again.getStatus().getCode());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void an_operator_merge_that_would_put_two_user_ids_in_one_profile_is_refused_and_recorded() {
        Identifier u1 = id("user_id", IdentityFixture.unique("u"));
        Identifier u2 = id("user_id", IdentityFixture.unique("u"));
        IdentityFixture.publish(IdentityFixture.links(u1, id("anonymous_id", IdentityFixture.unique("a"))),
                IdentityFixture.links(u2, id("anonymous_id", IdentityFixture.unique("a"))));
        ManagedChannel channel = IdentityFixture.channel();
        try {
            Resolution r1 = IdentityFixture.awaitResolution(channel, u1, Resolution::getFound);
            Resolution r2 = IdentityFixture.awaitResolution(channel, u2, Resolution::getFound);
            var operator = IdentityFixture.stub(channel, "identity.operator");
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> operator.merge(MergeRequest.newBuilder().setTargetProfileId(r1.getProfileId())
                            .setSourceProfileId(r2.getProfileId()).setReason("looks alike").build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
            assertTrue(operator.explainProfile(ExplainProfileRequest.newBuilder().setProfileId(r1.getProfileId())
                    .build()).getEntriesList().stream()
                    .anyMatch(c -> c.getKind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_REFUSED
                            && c.getCause().getRule().equals("limit.user_id")));
        } finally {
            channel.shutdownNow();
        }
    }
}
