package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipChangeCause;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.service.ProfileState;
import dev.cairn.segments.service.ProfileStateCodec;

/**
 * A split gives each side what its identifiers did: the same memberships, counts and traits as if the two had
 * never been merged.
 */
class SplitTest {

    static final long HOUR = 3_600_000L;
    static final long T0 = 1_750_000_000_000L - 1_750_000_000_000L % HOUR;

    static final String DEFINITIONS = """
            segments:
              - { id: two_buys, version: 1, purpose: analytics, condition: { event: buy, within: 3h, count: { gte: 2 } } }
              - { id: pro, version: 1, purpose: analytics, condition: { trait: plan, eq: pro } }
            computed_traits:
              - { name: buys_3h, version: 1, event: buy, within: 3h, count: {} }
            """;

    final ProfileEngine engine = new ProfileEngine(ComputedTraitsTest.catalog(DEFINITIONS), Duration.ofHours(1),
            Duration.ofHours(1), TestConsentPolicy.POLICY);

    static Event buy(String id, String userId, String anonymousId, long at) {
        return Event.newBuilder().setMessageId(id).setType(EventType.EVENT_TYPE_TRACK).setEvent("buy")
                .setUserId(userId).setAnonymousId(anonymousId).setTimestamp(ProfileEngine.timestamp(at)).build();
    }

    static Event plan(String id, String userId, String anonymousId, String plan, long at) {
        return Event.newBuilder().setMessageId(id).setType(EventType.EVENT_TYPE_IDENTIFY).setUserId(userId)
                .setAnonymousId(anonymousId).setTimestamp(ProfileEngine.timestamp(at))
                .setTraits(MapValue.newBuilder().putFields("plan", Value.newBuilder().setStringValue(plan).build()))
                .build();
    }

    @Test
    void each_side_of_a_split_keeps_what_its_identifiers_did_and_the_original_leaves_with_cause_split() {
        // One profile, two identifiers: a user (one buy, plan pro) and a shared tablet's anonymous id (one buy,
        // plan free, earlier). Together: two buys, plan pro.
        ProfileState s = new ProfileState("p1");
        engine.onEvent(s, buy("m1", "u1", "", T0 + 10), "user_id:u1", T0 + 10);
        engine.onEvent(s, plan("m2", "u1", "", "pro", T0 + 20), "user_id:u1", T0 + 20);
        engine.onEvent(s, plan("m3", "", "tablet", "free", T0 + 5), "anonymous_id:tablet", T0 + 30);
        engine.onEvent(s, buy("m4", "", "tablet", T0 + 40), "anonymous_id:tablet", T0 + 40);
        s.identifiers.addAll(List.of("user_id:u1", "anonymous_id:tablet"));
        engine.recomputeTraits(s, T0 + 40);
        assertTrue(s.memberships.get("two_buys").member);
        assertTrue(s.memberships.get("pro").member);
        s = ProfileStateCodec.decode(ProfileStateCodec.encode(s));

        ProfileEngine.Split split = engine.split(s, Set.of("anonymous_id:tablet"), "p2", T0 + 50, T0 + 50);
        assertEquals(1, split.changes().size(), split.changes().toString());
        MembershipChange left = split.changes().get(0);
        assertEquals("two_buys", left.getSegmentId());
        assertEquals(MembershipTransition.MEMBERSHIP_TRANSITION_LEFT, left.getTransition());
        assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_SPLIT, left.getCause());
        assertTrue(s.memberships.get("pro").member, "the user's own trait stays");
        assertEquals(Set.of("user_id:u1"), s.identifiers);
        assertEquals(Optional.of(Value.newBuilder().setIntValue(1).build()),
                engine.recomputeTraits(s, T0 + 50).get("buys_3h"));

        // The split-off side, as the new profile receives it (serialized through the command topic).
        ProfileState off = new ProfileState("p2");
        List<MembershipChange> entered = engine.absorbInto(off,
                ProfileStateCodec.decode(ProfileStateCodec.encode(split.splitOff())),
                MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_SPLIT, T0 + 50, T0 + 50);
        assertEquals(List.of(), entered, "one buy and plan free: the tablet is in no segment on its own");
        assertEquals("free", ProfileEngine.parse(off.traits.get("plan").value).getStringValue());
        assertEquals(Set.of("anonymous_id:tablet"), off.identifiers);
        assertEquals(1, off.events.get("buy").values().stream().mapToLong(b -> b.count).sum());

        // Each side then behaves as a profile that only ever had its own events.
        engine.onEvent(off, buy("m5", "", "tablet", T0 + 60), "anonymous_id:tablet", T0 + 60);
        assertTrue(off.memberships.get("two_buys").member);
        assertFalse(s.memberships.get("two_buys").member);
    }

    @Test
    void a_split_then_a_merge_back_gives_the_memberships_of_the_profile_before_the_split() {
        ProfileState s = new ProfileState("p1");
        engine.onEvent(s, buy("m1", "u1", "", T0 + 10), "user_id:u1", T0 + 10);
        engine.onEvent(s, buy("m2", "", "a1", T0 + 20), "anonymous_id:a1", T0 + 20);
        assertTrue(s.memberships.get("two_buys").member);
        ProfileEngine.Split split = engine.split(s, Set.of("anonymous_id:a1"), "p2", T0 + 30, T0 + 30);
        assertFalse(s.memberships.get("two_buys").member);
        engine.absorbInto(s, split.splitOff(), T0 + 40, T0 + 40);
        assertTrue(s.memberships.get("two_buys").member);
        assertEquals(2, s.events.get("buy").values().stream().mapToLong(b -> b.count).sum());
    }
}
