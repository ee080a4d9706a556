package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.identity.v1.ApproveHeldMergeRequest;
import dev.cairn.proto.identity.v1.HeldMerge;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import dev.cairn.proto.identity.v1.ListHeldMergesRequest;
import dev.cairn.proto.identity.v1.RejectHeldMergeRequest;

/** A merge that trips a merge cap waits for an operator, who approves or rejects it. */
@QuarkusTest
class HeldMergeTest {

    @Test
    void a_merge_past_the_cap_is_held_and_merges_only_when_an_operator_approves() {
        ManagedChannel channel = IdentityFixture.channel();
        try {
            List<Identifier> anons = fourProfiles(channel);
            IdentityFixture.publish(IdentityFixture.links(anons.toArray(Identifier[]::new)));
            IdentityServiceBlockingStub operator = IdentityFixture.stub(channel, "identity.operator");
            HeldMerge hold = awaitHold(operator, anons);
            assertEquals("merge_cap.max_profiles_per_event", hold.getCause().getRule());
            assertEquals(2, IdentityFixture.await(() -> profiles(channel, anons), n -> n == 2, Duration.ofSeconds(30)),
                    "three profiles merged, the fourth waits");

            var approved = operator.approveHeldMerge(ApproveHeldMergeRequest.newBuilder()
                    .setHoldId(hold.getHoldId()).setReason("same household, checked").build());
            assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED, approved.getChange().getKind());
            assertEquals(hold.getHoldId(), approved.getChange().getHoldId());
            IdentityFixture.awaitResolution(channel, anons.get(0), r -> r.getIdentifiersCount() == 8);
            assertTrue(operator.listHeldMerges(ListHeldMergesRequest.getDefaultInstance()).getHeldMergesList()
                    .stream().noneMatch(h -> h.getHoldId().equals(hold.getHoldId())), "no longer pending");
            StatusRuntimeException twice = assertThrows(StatusRuntimeException.class,
                    () -> operator.rejectHeldMerge(RejectHeldMergeRequest.newBuilder().setHoldId(hold.getHoldId())
                            .setReason("too late").build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, twice.getStatus().getCode());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void a_rejected_hold_leaves_the_profiles_apart() {
        ManagedChannel channel = IdentityFixture.channel();
        try {
            List<Identifier> anons = fourProfiles(channel);
            IdentityFixture.publish(IdentityFixture.links(anons.toArray(Identifier[]::new)));
            IdentityServiceBlockingStub operator = IdentityFixture.stub(channel, "identity.operator");
            HeldMerge hold = awaitHold(operator, anons);
            var rejected = operator.rejectHeldMerge(RejectHeldMergeRequest.newBuilder().setHoldId(hold.getHoldId())
                    .setReason("office shared device").build());
            assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_HOLD_REJECTED, rejected.getChange().getKind());
            assertEquals(2, profiles(channel, anons), "the held profile stays apart");
        } finally {
            channel.shutdownNow();
        }
    }

    private static List<Identifier> fourProfiles(ManagedChannel channel) {
        String tag = IdentityFixture.unique("hold");
        List<Identifier> anons = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Identifier a = id("anonymous_id", tag + "-a" + i);
            anons.add(a);
            IdentityFixture.publish(IdentityFixture.links(a, id("device_id", tag + "-d" + i)));
        }
        for (Identifier a : anons) {
            IdentityFixture.awaitResolution(channel, a, r -> r.getIdentifiersCount() == 2);
        }
        return anons;
    }

    private static HeldMerge awaitHold(IdentityServiceBlockingStub operator, List<Identifier> involving) {
        return IdentityFixture.await(() -> operator.listHeldMerges(ListHeldMergesRequest.getDefaultInstance())
                .getHeldMergesList().stream()
                .filter(h -> h.getIdentifiersList().stream().anyMatch(involving::contains)).findFirst()
                .orElse(null), h -> h != null, Duration.ofSeconds(30));
    }

    private static long profiles(ManagedChannel channel, List<Identifier> ids) {
        return ids.stream().map(i -> IdentityFixture.resolve(channel, i).getProfileId()).distinct().count();
    }
}
