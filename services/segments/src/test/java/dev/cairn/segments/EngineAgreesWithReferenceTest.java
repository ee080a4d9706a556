package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.SubjectConsent;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.events.v1.PurposeConsent;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinitionLoader;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.service.ProfileState;
import dev.cairn.segments.service.ProfileStateCodec;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The incremental engine against the reference evaluator, on random input streams with out-of-order and late
 * events (beyond the grace), consent changes and stale consent, window expiries (hour-scale windows, with the
 * clock moving up to two hours per step), and merges. The engine runs exactly as the processor drives it:
 * the punctuator's expiry before each input, and the state serialized and read back between inputs.
 */
class EngineAgreesWithReferenceTest {

    static final Duration BUCKET = Duration.ofHours(1);
    static final Duration GRACE = Duration.ofHours(1);
    static final long T0 = 1_750_000_000_000L;
    /**
     * As in the policy's default jurisdiction: analytics is opt-out; personalization and ads are opt-in. EU is
     * opt-in and denies ads outright (a recorded choice's jurisdiction applies).
     */
    static final ConsentPolicy DEFAULTS = TestConsentPolicy.POLICY;

    static final String DEFINITIONS = """
            segments:
              - id: two_a_in_3h
                version: 1
                purpose: analytics
                condition: { event: a, within: 3h, count: { gte: 2 } }
              - id: b_amount_over_10_in_5h
                version: 1
                purpose: analytics
                condition: { event: b, within: 5h, sum: { property: amount, gt: 10 } }
              - id: last_a_red_in_4h
                version: 2
                purpose: personalization
                condition: { event: a, within: 4h, last: { property: color, eq: red } }
              - id: pro_without_c_in_2h
                version: 1
                purpose: personalization
                condition:
                  all:
                    - { trait: plan, eq: pro }
                    - not: { event: c, within: 2h, count: { gte: 1 } }
              - id: three_a_in_6h_or_vip
                version: 1
                purpose: ads
                condition:
                  any:
                    - { event: a, within: 6h, count: { gte: 3 } }
                    - { trait: vip, eq: true }
            """;

    static SegmentCatalog catalog() {
        try {
            return new SegmentDefinitionLoader(BUCKET).parse(new ObjectMapper(new YAMLFactory()).readTree(DEFINITIONS),
                    "test");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** One random input: how far the clock moves first, then what arrives, and for which of two profiles. */
    record Step(int advanceMinutes, int kind, int profile, int name, int backMinutes, int amount, int color, int flag,
            int subject, int versionDelta, int seq) {

        Event event(long now) {
            long time = now - backMinutes * 60_000L;
            Event.Builder e = Event.newBuilder().setMessageId(String.format("m%05d", seq))
                    .setTimestamp(ProfileEngine.timestamp(time)).setUserId("u");
            if (kind == 1) {
                MapValue.Builder traits = MapValue.newBuilder();
                traits.putFields(flag % 2 == 0 ? "plan" : "vip", flag % 2 == 0
                        ? Value.newBuilder().setStringValue(amount % 2 == 0 ? "pro" : "free").build()
                        : Value.newBuilder().setBoolValue(amount % 2 == 0).build());
                return e.setType(EventType.EVENT_TYPE_IDENTIFY).setTraits(traits).build();
            }
            MapValue.Builder props = MapValue.newBuilder();
            props.putFields("amount", Value.newBuilder().setIntValue(amount).build());
            if (color < 2) {
                props.putFields("color", Value.newBuilder().setStringValue(color == 0 ? "red" : "blue").build());
            }
            return e.setType(EventType.EVENT_TYPE_TRACK).setEvent(List.of("a", "b", "c").get(name))
                    .setProperties(props).build();
        }
    }

    @Provide
    Arbitrary<Step> steps() {
        return Combinators.combine(
                Arbitraries.integers().between(0, 120),
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, 1),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 150),
                Arbitraries.integers().between(-3, 9),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 3))
                .flatAs((adv, kind, profile, name, back, amount, color, flag) -> Combinators
                        .combine(Arbitraries.integers().between(0, 1), Arbitraries.integers().between(-1, 2),
                                Arbitraries.integers().between(0, 1_000_000))
                        .as((subject, delta, seq) -> new Step(adv, kind, profile, name, back, amount, color, flag,
                                subject,
                                delta, seq)));
    }

    /** Drives one profile the way ProfileProcessor does. */
    static final class Driven {
        final ProfileEngine engine;
        ProfileState state;
        final List<MembershipChange> changes = new ArrayList<>();
        final Map<String, Long> consentVersions = new HashMap<>();

        Driven(ProfileEngine engine, String id) {
            this.engine = engine;
            this.state = new ProfileState(id);
        }

        void tick(long now) {
            changes.addAll(engine.expire(state, now));
            roundTrip();
        }

        void apply(Step step, long now, ReferenceEvaluator.Arrival arrival) {
            tick(now);
            if (arrival.event() != null) {
                changes.addAll(engine.onEvent(state, arrival.event(), now).changes());
            } else {
                changes.addAll(engine.onConsent(state, arrival.subject(),
                        arrival.consent() == null ? null : SubjectConsent.parse(arrival.consent().toByteArray()), now,
                        now).changes());
            }
            roundTrip();
        }

        void roundTrip() {
            state = ProfileStateCodec.decode(ProfileStateCodec.encode(state));
        }

        Map<String, Boolean> memberships() {
            Map<String, Boolean> out = new TreeMap<>();
            for (var d : engine.catalog().all()) {
                var m = state.memberships.get(d.id());
                out.put(d.id(), m != null && m.member);
            }
            return out;
        }
    }

    static ReferenceEvaluator.Arrival arrival(Step s, long now, Map<String, Long> versions) {
        if (s.kind() <= 2 || s.kind() == 4 && s.flag() == 3) {
            return new ReferenceEvaluator.Arrival(now, s.event(now), null, null);
        }
        String subject = "user_id:s" + s.subject();
        if (s.flag() == 3 && s.kind() == 3) {
            versions.put("erased:" + subject, 1L);
            return new ReferenceEvaluator.Arrival(now, null, subject, null);
        }
        // Versions mostly increase; a negative delta replays a stale state, which must be ignored. As in consent,
        // a fresh state always gets a new version: two different states never share one.
        long latest = versions.getOrDefault(subject, 0L);
        long version;
        // After an erasure consent publishes nothing older about the subject: only a fresh state (a new record).
        boolean erased = versions.containsKey("erased:" + subject);
        versions.remove("erased:" + subject);
        if (s.versionDelta() < 0 && !erased) {
            version = latest + s.versionDelta();
        } else {
            version = latest + 1 + Math.max(0, s.versionDelta());
            versions.put(subject, version);
        }
        ConsentState.Builder c = ConsentState.newBuilder().setStateVersion(version);
        // When the subject chose, to the minute, so that choices on different subjects sometimes tie.
        long chosenAt = (now - s.backMinutes() * 60_000L) / 60_000L * 60_000L;
        for (String purpose : List.of("analytics", "personalization", "ads")) {
            if ((s.amount() * 7 + purpose.length()) % 4 == 0) {
                continue; // nothing recorded for this purpose: the policy default applies
            }
            boolean deny = (s.amount() + purpose.length()) % 3 == 0;
            // The jurisdiction the choice was recorded under: EU, the default one, or none said.
            String jurisdiction = List.of("EU", "default", "").get((s.color() + purpose.length()) % 3);
            // Now and then an entry that is a rule consent applied, not a choice: it can only deny.
            boolean rule = (s.amount() + s.seq()) % 11 == 0;
            c.addPurposes(PurposeConsent.newBuilder().setPurpose(purpose).setJurisdiction(jurisdiction)
                    .setStatus(deny ? ConsentStatus.CONSENT_STATUS_WITHDRAWN : ConsentStatus.CONSENT_STATUS_GRANTED)
                    .setReason(
                            rule ? ConsentReason.CONSENT_REASON_POLICY : ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE)
                    .setRecordedAt(ProfileEngine.timestamp(chosenAt)).setRecordId("r" + s.seq() + purpose));
        }
        return new ReferenceEvaluator.Arrival(now, null, subject, c.build());
    }

    @Property(tries = 300)
    void the_incremental_engine_agrees_with_the_reference_after_every_input(
            @ForAll @Size(max = 60) List<@From("steps") Step> steps) {
        ProfileEngine engine = new ProfileEngine(catalog(), BUCKET, GRACE, DEFAULTS);
        ReferenceEvaluator reference = new ReferenceEvaluator(engine.catalog(), BUCKET, GRACE, DEFAULTS);
        Driven driven = new Driven(engine, "p");
        Map<String, Long> versions = new HashMap<>();
        long now = T0;
        for (Step s : steps) {
            // One millisecond more per step: two inputs never arrive at the same instant, as on one stream thread,
            // so "which came later" is always decidable (also between a merged profile's halves).
            now += s.advanceMinutes() * 60_000L + 1;
            if (s.kind() == 4 && s.flag() != 3) {
                driven.tick(now); // time passes with no input: only the punctuator runs
            } else {
                ReferenceEvaluator.Arrival a = arrival(s, now, versions);
                reference.add(a);
                driven.apply(s, now, a);
            }
            assertEquals(reference.memberships(now), driven.memberships(), "at minute " + (now - T0) / 60_000);
        }
        // Much later, with no further input, every window has expired.
        now += Duration.ofHours(7).toMillis();
        driven.tick(now);
        assertEquals(reference.memberships(now), driven.memberships(), "after every window expired");
        assertChangesAreAConsistentLog(driven.changes, driven.memberships());
    }

    @Property(tries = 200)
    void merging_two_profiles_gives_the_memberships_of_one_profile_that_had_all_their_inputs(
            @ForAll @Size(max = 50) List<@From("steps") Step> steps, @ForAll("mergePoint") int mergeAt) {
        ProfileEngine engine = new ProfileEngine(catalog(), BUCKET, GRACE, DEFAULTS);
        ReferenceEvaluator reference = new ReferenceEvaluator(engine.catalog(), BUCKET, GRACE, DEFAULTS);
        Driven survivor = new Driven(engine, "survivor");
        Driven absorbed = new Driven(engine, "absorbed");
        Driven single = new Driven(engine, "single");
        Map<String, Long> versions = new HashMap<>();
        long now = T0;
        boolean merged = false;
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            // One millisecond more per step: two inputs never arrive at the same instant, as on one stream thread,
            // so "which came later" is always decidable (also between a merged profile's halves).
            now += s.advanceMinutes() * 60_000L + 1;
            if (!merged && i >= mergeAt * steps.size() / 100) {
                survivor.tick(now);
                absorbed.tick(now);
                survivor.changes.addAll(engine.merge(survivor.state, absorbed.state, now, now));
                absorbed.roundTrip();
                survivor.roundTrip();
                merged = true;
                assertEquals(Map.of(), absorbed.state.currentMemberships(), "the absorbed profile left everything");
            }
            if (s.kind() == 4 && s.flag() != 3) {
                survivor.tick(now);
                single.tick(now);
                continue;
            }
            ReferenceEvaluator.Arrival a = arrival(s, now, versions);
            reference.add(a);
            (merged || s.profile() == 0 ? survivor : absorbed).apply(s, now, a);
            single.apply(s, now, a);
            if (merged) {
                assertEquals(single.memberships(), survivor.memberships(), "at minute " + (now - T0) / 60_000);
                assertEquals(reference.memberships(now), survivor.memberships());
            }
        }
        if (!merged) {
            survivor.tick(now);
            absorbed.tick(now);
            survivor.changes.addAll(engine.merge(survivor.state, absorbed.state, now, now));
        }
        single.tick(now);
        survivor.tick(now);
        assertEquals(single.memberships(), survivor.memberships(), "after the merge");
        assertEquals(reference.memberships(now), survivor.memberships(), "after the merge, against the reference");
    }

    @Provide
    Arbitrary<Integer> mergePoint() {
        return Arbitraries.integers().between(0, 100);
    }

    /** Per segment, changes alternate ENTERED/LEFT, versions count up by one, and the last one is the state. */
    static void assertChangesAreAConsistentLog(List<MembershipChange> changes, Map<String, Boolean> finalState) {
        Map<String, MembershipChange> last = new HashMap<>();
        for (MembershipChange c : changes) {
            MembershipChange before = last.get(c.getSegmentId());
            long expectedVersion = before == null ? 1 : before.getMembershipVersion() + 1;
            assertEquals(expectedVersion, c.getMembershipVersion(), "versions count up by one: " + c);
            MembershipTransition expected = before == null
                    || before.getTransition() == MembershipTransition.MEMBERSHIP_TRANSITION_LEFT
                            ? MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED
                            : MembershipTransition.MEMBERSHIP_TRANSITION_LEFT;
            assertEquals(expected, c.getTransition(), "transitions alternate: " + c);
            last.put(c.getSegmentId(), c);
        }
        finalState.forEach((segment, member) -> assertEquals(member,
                last.containsKey(segment)
                        && last.get(segment).getTransition() == MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED,
                "the change log ends in the state for " + segment));
    }
}
