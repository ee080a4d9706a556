package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.MembershipAnswer;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
import dev.cairn.segments.store.MembershipStore;

/**
 * The halfway state of a merge, written into the real Redis as the two stages of the topology can leave it: the
 * survivor already shows the merge while an identifier still maps to the absorbed profile (or to the provisional
 * profile before it). Reads by identifier must answer from the survivor; reads by the absorbed profile's id find
 * no member.
 */
@QuarkusTest
class MergeInFlightReadsTest {

    @Inject
    RedisDataSource redis;
    ManagedChannel channel;
    SegmentsServiceGrpc.SegmentsServiceBlockingStub stub;
    String run;

    @BeforeEach
    void open() {
        channel = TestChannels.open();
        stub = TestChannels.reader(channel);
        run = UUID.randomUUID().toString();
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    private void set(String... args) {
        redis.execute(args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
    }

    /** provisional → absorbed → survivor: the identifier's mapping is two merges behind. */
    private String[] chainOfTwoMerges() {
        String provisional = "user_id:chain-" + run;
        String absorbed = "absorbed-" + run;
        String survivor = "survivor-" + run;
        set("HSET", MembershipStore.membershipsKey(provisional), "repeat_buyers", "2|0|0|1",
                MembershipStore.MERGED_INTO, absorbed);
        set("HSET", MembershipStore.membershipsKey(absorbed), "repeat_buyers", "4|0|0|1",
                MembershipStore.MERGED_INTO, survivor);
        set("HSET", MembershipStore.membershipsKey(survivor), "repeat_buyers", "1|1|1700000000000|1");
        set("HSET", MembershipStore.traitsKey(survivor), "plan",
                "1|" + Base64.getEncoder()
                        .encodeToString(Value.newBuilder().setStringValue("pro").build().toByteArray()));
        return new String[]{provisional, absorbed, survivor};
    }

    private static ProfileRef byUser(String value) {
        return ProfileRef.newBuilder().setIdentifier(Identifier.newBuilder().setNamespace("user_id").setValue(value))
                .build();
    }

    private MembershipAnswer isMember(ProfileRef ref) {
        return stub.isMember(IsMemberRequest.newBuilder()
                .addQueries(MembershipQuery.newBuilder().setProfile(ref).setSegmentId("repeat_buyers")).build())
                .getAnswers(0);
    }

    @Test
    void an_identifier_still_mapped_to_an_absorbed_profile_is_answered_by_the_survivor() {
        String[] p = chainOfTwoMerges();
        String user = "mapped-" + run;
        set("SET", MembershipStore.identifierKey("user_id:" + user), p[1]);

        MembershipAnswer answer = isMember(byUser(user));
        assertEquals(p[2], answer.getProfileId());
        assertTrue(answer.getMember());
        var memberships = stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(byUser(user)).build());
        assertEquals(p[2], memberships.getProfileId());
        assertEquals(1, memberships.getMembershipsCount());
        var traits = stub.getTraits(GetTraitsRequest.newBuilder().setProfile(byUser(user)).build());
        assertEquals(p[2], traits.getProfileId());
        assertEquals("pro", traits.getTraits().getFieldsOrThrow("plan").getStringValue());
    }

    @Test
    void an_identifier_not_mapped_yet_follows_its_provisional_profile_through_both_merges() {
        String[] p = chainOfTwoMerges();
        String user = p[0].substring("user_id:".length());

        assertEquals(p[2], isMember(byUser(user)).getProfileId());
        assertTrue(isMember(byUser(user)).getMember());
        assertEquals(p[2], stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(byUser(user)).build())
                .getProfileId());
    }

    @Test
    void asking_by_an_absorbed_profile_id_finds_no_member_and_no_merge_marker() {
        String[] p = chainOfTwoMerges();
        ProfileRef absorbed = ProfileRef.newBuilder().setProfileId(p[1]).build();

        MembershipAnswer answer = isMember(absorbed);
        assertEquals(p[1], answer.getProfileId());
        assertFalse(answer.getMember());
        var memberships = stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(absorbed).build());
        assertEquals(0, memberships.getMembershipsCount(), "the marker is not a segment: " + memberships);
    }
}
