package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipChangeCause;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinitionLoader;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.service.ProfileState;

/** A changed or new definition is evaluated from stored state (the aggregates), not by replaying events. */
class DefinitionBackfillTest {

    static SegmentCatalog catalog(String yaml) throws Exception {
        return new SegmentDefinitionLoader(Duration.ofHours(1))
                .parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), "t");
    }

    @Test
    void a_raised_threshold_and_a_new_segment_are_backfilled_from_stored_aggregates() throws Exception {
        ProfileEngine v1 = new ProfileEngine(catalog("""
                segments:
                  - { id: buyers, version: 1, purpose: p, condition: { event: buy, within: 1d, count: { gte: 2 } } }
                """), Duration.ofHours(1), Duration.ofHours(1),
                TestConsentPolicy.POLICY);
        ProfileState s = new ProfileState("p1");
        long now = 1_750_000_000_000L;
        for (int i = 0; i < 2; i++) {
            v1.onEvent(s, Event.newBuilder().setMessageId("m" + i).setType(EventType.EVENT_TYPE_TRACK).setEvent("buy")
                    .setTimestamp(ProfileEngine.timestamp(now - i)).build(), now);
        }
        assertTrue(s.memberships.get("buyers").member);

        ProfileEngine v2 = new ProfileEngine(catalog("""
                segments:
                  - { id: buyers, version: 2, purpose: p, condition: { event: buy, within: 1d, count: { gte: 3 } } }
                  - { id: any_buyer, version: 1, purpose: p, condition: { event: buy, within: 1d, count: { gte: 1 } } }
                """), Duration.ofHours(1), Duration.ofHours(1),
                TestConsentPolicy.POLICY);
        List<MembershipChange> changes = v2.backfill(s, now + 1000);
        assertEquals(2, changes.size(), changes.toString());
        MembershipChange left = changes.stream().filter(c -> c.getSegmentId().equals("buyers")).findFirst()
                .orElseThrow();
        assertEquals(MembershipTransition.MEMBERSHIP_TRANSITION_LEFT, left.getTransition());
        assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_DEFINITION_CHANGE, left.getCause());
        assertEquals(2, left.getDefinitionVersion());
        MembershipChange entered = changes.stream().filter(c -> c.getSegmentId().equals("any_buyer")).findFirst()
                .orElseThrow();
        assertEquals(MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED, entered.getTransition());
        assertEquals(List.of(), v2.backfill(s, now + 2000), "a second start with the same definitions changes nothing");
    }
}
