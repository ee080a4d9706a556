package dev.cairn.segments;

import static dev.cairn.segments.SegmentsWalkingSkeletonTest.await;
import static dev.cairn.segments.SegmentsWalkingSkeletonTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipChangeCause;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.events.v1.PurposeConsent;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.segments.v1.EraseProfilesRequest;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.MembershipAnswer;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
import dev.cairn.proto.segments.v1.StreamMembersRequest;
import dev.cairn.proto.segments.v1.StreamMembersResponse;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.store.MembershipStore;
import dev.cairn.testsupport.TestTokens;
import dev.cairn.testsupport.TopicReader;

/** Entering and leaving through real Kafka Streams, Kafka and Redis: merges, consent, expiry, erasure, reads. */
@QuarkusTest
class MembershipLifecycleTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    ManagedChannel channel;
    SegmentsServiceGrpc.SegmentsServiceBlockingStub stub;
    InputProducer kafka;
    @Inject
    RedisDataSource redis;

    @BeforeEach
    void open() {
        channel = TestChannels.open();
        stub = TestChannels.reader(channel);
        kafka = new InputProducer();
    }

    @AfterEach
    void close() {
        kafka.close();
        channel.shutdownNow();
    }

    MembershipAnswer ask(ProfileRef profile, String segment) {
        return stub.isMember(IsMemberRequest.newBuilder()
                .addQueries(MembershipQuery.newBuilder().setProfile(profile).setSegmentId(segment)).build())
                .getAnswers(0);
    }

    static ProfileRef user(String id) {
        return ProfileRef.newBuilder().setIdentifier(Identifier.newBuilder().setNamespace("user_id").setValue(id))
                .build();
    }

    static ProfileRef profile(String id) {
        return ProfileRef.newBuilder().setProfileId(id).build();
    }

    static Identifier userId(String id) {
        return Identifier.newBuilder().setNamespace("user_id").setValue(id).build();
    }

    List<MembershipChange> changesOf(String profileId, String segment, int atLeast) {
        return TopicReader.read("cairn.segments.changes.v1", r -> {
            MembershipChange c = parse(r.value());
            return c.getProfileId().equals(profileId) && c.getSegmentId().equals(segment);
        }, atLeast, Duration.ofSeconds(20)).stream().map(r -> parse(r.value())).toList();
    }

    @Test
    void merging_two_profiles_with_one_checkout_each_makes_the_survivor_a_repeat_buyer() throws Exception {
        String a = "a-" + UUID.randomUUID();
        String b = "b-" + UUID.randomUUID();
        String p1 = "p1-" + UUID.randomUUID();
        String p2 = "p2-" + UUID.randomUUID();
        Instant now = Instant.now();
        kafka.event(InputProducer.track(a, "checkout_completed", now.minusSeconds(30), Map.of()));
        kafka.event(InputProducer.track(b, "checkout_completed", now.minusSeconds(20), Map.of()));
        // Identifies behind the checkouts: once their traits show, the checkouts were counted on the provisional
        // profiles, so the membership can only come from the merge.
        for (String u : List.of(a, b)) {
            kafka.event(InputProducer.identify(u, now.minusSeconds(10),
                    Map.of("seen", Value.newBuilder().setBoolValue(true).build())));
            await(() -> stub
                    .getTraits(dev.cairn.proto.segments.v1.GetTraitsRequest.newBuilder().setProfile(user(u)).build())
                    .getTraits().containsFields("seen"), WAIT);
        }
        // identity links each user to its own profile, then merges them.
        kafka.send("cairn.identity.changes.v1", p1, IdentityChange.newBuilder().setSequence(1)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(p1).addIdentifiers(userId(a))
                .setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        kafka.send("cairn.identity.changes.v1", p2, IdentityChange.newBuilder().setSequence(2)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(p2).addIdentifiers(userId(b))
                .setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        kafka.send("cairn.identity.changes.v1", p1, IdentityChange.newBuilder().setSequence(3)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED).setProfileId(p1).addAbsorbedProfileIds(p2)
                .addIdentifiers(userId(b)).setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());

        await(() -> ask(profile(p1), "repeat_buyers").getMember(), WAIT);
        assertEquals(p1, ask(user(b), "repeat_buyers").getProfileId(), "b's identifier resolves to the survivor");
        assertTrue(ask(user(a), "repeat_buyers").getMember());
        assertFalse(ask(profile(p2), "repeat_buyers").getMember(), "the absorbed profile is not a member");
        MembershipChange entered = changesOf(p1, "repeat_buyers", 1).get(0);
        assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_MERGE, entered.getCause());
        // A later event of b follows it to the survivor.
        kafka.event(InputProducer.track(b, "order_completed", now,
                Map.of("total", Value.newBuilder().setIntValue(600).build())));
        await(() -> ask(profile(p1), "big_spenders").getMember(), WAIT);
    }

    @Test
    void an_unmerge_back_into_the_absorbed_profile_gives_it_its_own_counts_again() throws Exception {
        String a = "ua-" + UUID.randomUUID();
        String b = "ub-" + UUID.randomUUID();
        String p1 = "p1-" + UUID.randomUUID();
        String p2 = "p2-" + UUID.randomUUID();
        Instant now = Instant.now();
        kafka.send("cairn.identity.changes.v1", p1, IdentityChange.newBuilder().setSequence(1)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(p1).addIdentifiers(userId(a))
                .setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        kafka.send("cairn.identity.changes.v1", p2, IdentityChange.newBuilder().setSequence(2)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(p2).addIdentifiers(userId(b))
                .setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        await(() -> p2.equals(ask(user(b), "repeat_buyers").getProfileId()), WAIT);
        kafka.event(InputProducer.track(a, "checkout_completed", now.minusSeconds(30), Map.of()));
        kafka.event(InputProducer.track(b, "checkout_completed", now.minusSeconds(20), Map.of()));
        kafka.send("cairn.identity.changes.v1", p1, IdentityChange.newBuilder().setSequence(3)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED).setProfileId(p1).addAbsorbedProfileIds(p2)
                .addIdentifiers(userId(b)).setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        await(() -> ask(profile(p1), "repeat_buyers").getMember(), WAIT);

        // An operator unmerge: identity restores b to its original profile id, p2.
        kafka.send("cairn.identity.changes.v1", p1, IdentityChange.newBuilder().setSequence(4)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT).setProfileId(p1).addIdentifiers(userId(b))
                .addSplitProfileIds(p2).setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        await(() -> !ask(profile(p1), "repeat_buyers").getMember(), WAIT);
        await(() -> p2.equals(ask(user(b), "repeat_buyers").getProfileId()), WAIT);
        // p2 exists again: a second checkout of b's counts there with the one it brought back, not on p1.
        kafka.event(InputProducer.track(b, "checkout_completed", now, Map.of()));
        await(() -> ask(profile(p2), "repeat_buyers").getMember(), WAIT);
        assertEquals(p2, ask(user(b), "repeat_buyers").getProfileId());
        assertFalse(ask(profile(p1), "repeat_buyers").getMember(), "the survivor kept only a's checkout");
    }

    @Test
    void a_split_takes_the_moved_identifiers_counts_with_them() throws Exception {
        String a = "sa-" + UUID.randomUUID();
        String b = "sb-" + UUID.randomUUID();
        String p1 = "p1-" + UUID.randomUUID();
        String p2 = "p2-" + UUID.randomUUID();
        Instant now = Instant.now();
        // identity linked a and b into p1 (say, through a shared tablet), and each made one checkout.
        kafka.send("cairn.identity.changes.v1", p1, IdentityChange.newBuilder().setSequence(1)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(p1).addIdentifiers(userId(a))
                .addIdentifiers(userId(b)).setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        kafka.event(InputProducer.track(a, "checkout_completed", now.minusSeconds(20), Map.of()));
        kafka.event(InputProducer.track(b, "checkout_completed", now.minusSeconds(10), Map.of()));
        await(() -> ask(profile(p1), "repeat_buyers").getMember(), WAIT);

        // identity unmerges b into p2: b's checkout goes with it, so neither side is a repeat buyer.
        kafka.send("cairn.identity.changes.v1", p1, IdentityChange.newBuilder().setSequence(2)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT).setProfileId(p1).addIdentifiers(userId(b))
                .addSplitProfileIds(p2).setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        await(() -> !ask(profile(p1), "repeat_buyers").getMember(), WAIT);
        List<MembershipChange> changes = changesOf(p1, "repeat_buyers", 2);
        assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_SPLIT, changes.get(1).getCause());
        await(() -> p2.equals(ask(user(b), "repeat_buyers").getProfileId()), WAIT);
        assertFalse(ask(user(b), "repeat_buyers").getMember(), "one checkout of its own");

        // A second checkout of b's makes the split-off profile a repeat buyer on its own.
        kafka.event(InputProducer.track(b, "checkout_completed", now, Map.of()));
        await(() -> ask(profile(p2), "repeat_buyers").getMember(), WAIT);
        assertFalse(ask(user(a), "repeat_buyers").getMember());
    }

    @Test
    void withdrawing_consent_for_the_segments_purpose_makes_the_profile_leave_and_granting_it_back_re_enters()
            throws Exception {
        String u = "c-" + UUID.randomUUID();
        Instant now = Instant.now();
        kafka.event(InputProducer.track(u, "checkout_completed", now.minusSeconds(10), Map.of()));
        kafka.event(InputProducer.track(u, "checkout_completed", now, Map.of()));
        await(() -> ask(user(u), "repeat_buyers").getMember(), WAIT);

        kafka.send("cairn.consent.state.v1", "user_id:" + u, consent(u, 1, ConsentStatus.CONSENT_STATUS_WITHDRAWN));
        await(() -> !ask(user(u), "repeat_buyers").getMember(), WAIT);
        List<MembershipChange> changes = changesOf("user_id:" + u, "repeat_buyers", 2);
        assertEquals(MembershipTransition.MEMBERSHIP_TRANSITION_LEFT, changes.get(1).getTransition());
        assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_CONSENT, changes.get(1).getCause());
        assertEquals(2, changes.get(1).getMembershipVersion());

        // A stale state delivered late (lower version) changes nothing; a newer grant re-enters.
        kafka.send("cairn.consent.state.v1", "user_id:" + u, consent(u, 0, ConsentStatus.CONSENT_STATUS_GRANTED));
        kafka.send("cairn.consent.state.v1", "user_id:" + u, consent(u, 2, ConsentStatus.CONSENT_STATUS_GRANTED));
        await(() -> ask(user(u), "repeat_buyers").getMember(), WAIT);
        assertEquals(3, changesOf("user_id:" + u, "repeat_buyers", 3).size(), "no flapping from the stale state");
    }

    static ConsentState consent(String u, long version, ConsentStatus status) {
        return consent(u, version, "analytics", status);
    }

    /** As consent publishes it: the subject's explicit choice, with when it was made. */
    static ConsentState consent(String u, long version, String purpose, ConsentStatus status) {
        return ConsentState.newBuilder().setSubject(userId(u)).setStateVersion(version)
                .addPurposes(PurposeConsent.newBuilder().setPurpose(purpose).setJurisdiction("EU").setStatus(status)
                        .setReason(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE)
                        .setRecordedAt(ProfileEngine.timestamp(System.currentTimeMillis()))
                        .setRecordId("r-" + u + "-" + version).setDecidedBy(userId(u)))
                .build();
    }

    @Test
    void nobody_enters_an_opt_in_segment_before_granting_its_purpose() throws Exception {
        String u = "o-" + UUID.randomUUID();
        Instant now = Instant.now();
        kafka.event(InputProducer.track(u, "checkout_completed", now.minusSeconds(10), Map.of()));
        kafka.event(InputProducer.track(u, "checkout_completed", now, Map.of()));
        // The same condition under analytics (opt-out) shows both events were evaluated.
        await(() -> ask(user(u), "repeat_buyers").getMember(), WAIT);
        assertFalse(ask(user(u), "personalized_repeat_buyers").getMember(),
                "personalization is opt-in and nothing was recorded");

        kafka.send("cairn.consent.state.v1", "user_id:" + u,
                consent(u, 1, "personalization", ConsentStatus.CONSENT_STATUS_GRANTED));
        await(() -> ask(user(u), "personalized_repeat_buyers").getMember(), WAIT);
        MembershipChange entered = changesOf("user_id:" + u, "personalized_repeat_buyers", 1).get(0);
        assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_CONSENT, entered.getCause());
        assertTrue(ask(user(u), "repeat_buyers").getMember(), "a grant for one purpose changes nothing for another");
    }

    @Test
    void computed_traits_come_with_received_traits_and_fall_when_their_window_moves_on() throws Exception {
        String u = "ct-" + UUID.randomUUID();
        Instant now = Instant.now();
        kafka.event(InputProducer.identify(u, now.minusSeconds(3),
                Map.of("plan", Value.newBuilder().setStringValue("pro").build())));
        kafka.event(InputProducer.track(u, "order_completed", now.minusSeconds(2),
                Map.of("total", Value.newBuilder().setDecimalValue("10.5").build())));
        kafka.event(InputProducer.track(u, "order_completed", now.minusSeconds(1),
                Map.of("total", Value.newBuilder().setIntValue(2).build())));
        kafka.event(InputProducer.track(u, "ping", now,
                Map.of("color", Value.newBuilder().setStringValue("red").build())));
        await(() -> traits(u).getTraits().getFieldsMap().containsKey("last_ping_color_4s")
                && traits(u).getTraits().getFieldsOrDefault("orders_last_90_days", Value.getDefaultInstance())
                        .getIntValue() == 2,
                WAIT);
        var answer = traits(u);
        assertEquals("pro", answer.getTraits().getFieldsOrThrow("plan").getStringValue(), "received traits too");
        assertEquals("12.5", answer.getTraits().getFieldsOrThrow("revenue_last_90_days").getDecimalValue(),
                "an exact sum");
        assertEquals("red", answer.getTraits().getFieldsOrThrow("last_ping_color_4s").getStringValue());
        assertTrue(answer.containsUpdatedAt("orders_last_90_days"));
        // No new event: the timer that moves windows on also recomputes the traits.
        await(() -> !traits(u).getTraits().getFieldsMap().containsKey("last_ping_color_4s"), Duration.ofSeconds(20));
        assertEquals(2, traits(u).getTraits().getFieldsOrThrow("orders_last_90_days").getIntValue());
    }

    private dev.cairn.proto.segments.v1.GetTraitsResponse traits(String u) {
        return stub.getTraits(dev.cairn.proto.segments.v1.GetTraitsRequest.newBuilder().setProfile(user(u)).build());
    }

    @Test
    void a_profile_leaves_a_window_segment_when_the_window_passes_without_any_new_event() throws Exception {
        String u = "w-" + UUID.randomUUID();
        kafka.event(InputProducer.track(u, "ping", Instant.now(), Map.of()));
        await(() -> ask(user(u), "pinged_in_last_4s").getMember(), WAIT);
        await(() -> !ask(user(u), "pinged_in_last_4s").getMember(), Duration.ofSeconds(20));
        List<MembershipChange> changes = changesOf("user_id:" + u, "pinged_in_last_4s", 2);
        assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_EXPIRY, changes.get(1).getCause());
    }

    @Test
    void members_stream_in_pages_and_resume_from_a_cursor_and_erasure_removes_a_member() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Instant now = Instant.now();
        for (int i = 0; i < 5; i++) {
            kafka.event(InputProducer.identify("s" + run + "-" + i, now,
                    Map.of("plan", Value.newBuilder().setStringValue("pro").build())));
        }
        await(() -> ask(user("s" + run + "-4"), "pro_plan_not_churning").getMember(), WAIT);
        for (int i = 0; i < 4; i++) {
            String id = "s" + run + "-" + i;
            await(() -> ask(user(id), "pro_plan_not_churning").getMember(), WAIT);
        }
        List<String> all = members(
                StreamMembersRequest.newBuilder().setSegmentId("pro_plan_not_churning").setPageSize(2).build());
        List<String> mine = all.stream().filter(p -> p.startsWith("user_id:s" + run)).toList();
        assertEquals(5, mine.size(), "every member streamed once: " + all);
        assertEquals(all.stream().sorted().toList(), all, "in profile id order");

        var pages = SegmentsServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(TestTokens.withRoles("segments.read")))
                .streamMembers(
                        StreamMembersRequest.newBuilder().setSegmentId("pro_plan_not_churning").setPageSize(2).build());
        StreamMembersResponse first = pages.next();
        List<String> resumed = members(StreamMembersRequest.newBuilder().setSegmentId("pro_plan_not_churning")
                .setPageSize(2).setCursor(first.getCursor()).build());
        assertEquals(all.subList(2, all.size()), resumed, "resuming continues after the first page");

        String erased = "user_id:s" + run + "-0";
        var eraser = SegmentsServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(TestTokens.withRoles("segments.erase")));
        var answer = eraser.eraseProfiles(EraseProfilesRequest.newBuilder().setErasureRequestId("er-" + run)
                .addProfileIds(erased).build());
        assertEquals(1, answer.getMembershipsRemoved());
        assertEquals(1, answer.getProfilesErased());
        await(() -> stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(profile(erased)).build())
                .getMembershipsCount() == 0, WAIT);
        assertEquals(0, stub.getTraits(dev.cairn.proto.segments.v1.GetTraitsRequest.newBuilder()
                .setProfile(profile(erased)).build()).getTraits().getFieldsCount(), "traits are gone");
        assertEquals(answer, eraser.eraseProfiles(EraseProfilesRequest.newBuilder().setErasureRequestId("er-" + run)
                .addProfileIds(erased).build()), "a repeated request gets the same answer");
        List<MembershipChange> changes = changesOf(erased, "pro_plan_not_churning", 2);
        assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_ERASURE, changes.get(1).getCause());
    }

    @Test
    void identity_deleting_a_profile_by_id_unmaps_every_identifier_even_those_that_never_sent_an_event()
            throws Exception {
        String u = "du-" + UUID.randomUUID();
        String p = "pd-" + UUID.randomUUID();
        Identifier email = Identifier.newBuilder().setNamespace("email").setValue(u + "@example.com").build();
        Instant now = Instant.now();
        kafka.send("cairn.identity.changes.v1", p, IdentityChange.newBuilder().setSequence(1)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(p).addIdentifiers(userId(u))
                .addIdentifiers(email).setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        kafka.event(InputProducer.identify(u, now, Map.of("plan", Value.newBuilder().setStringValue("pro").build())));
        ProfileRef byEmail = ProfileRef.newBuilder().setIdentifier(email).build();
        await(() -> ask(byEmail, "pro_plan_not_churning").getMember(), WAIT);

        // As identity publishes an erasure: by profile id alone, the identifiers' keys are destroyed.
        kafka.send("cairn.identity.changes.v1", p, IdentityChange.newBuilder().setSequence(2)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_DELETED).setProfileId(p)
                .setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        await(() -> stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(profile(p)).build())
                .getMembershipsCount() == 0, WAIT);
        // Only u sent an event, so only u is in the profile's state; the email is known from identity alone.
        await(() -> !p.equals(stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(byEmail).build())
                .getProfileId()), WAIT);
        assertNotEquals(p, stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(user(u)).build())
                .getProfileId(), "the event-sending identifier is unmapped too");
        assertFalse(ask(byEmail, "pro_plan_not_churning").getMember());
    }

    @Test
    void an_identifier_mapped_after_its_profile_was_erased_answers_as_unknown() throws Exception {
        String u = "eu-" + UUID.randomUUID();
        String p = "pe-" + UUID.randomUUID();
        Instant now = Instant.now();
        kafka.send("cairn.identity.changes.v1", p, IdentityChange.newBuilder().setSequence(1)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(p).addIdentifiers(userId(u))
                .setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        kafka.event(InputProducer.identify(u, now, Map.of("plan", Value.newBuilder().setStringValue("pro").build())));
        await(() -> ask(user(u), "pro_plan_not_churning").getMember(), WAIT);
        SegmentsServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(TestTokens.withRoles("segments.erase")))
                .eraseProfiles(
                        EraseProfilesRequest.newBuilder().setErasureRequestId("er-" + p).addProfileIds(p).build());
        await(() -> !p.equals(stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(user(u)).build())
                .getProfileId()), WAIT);

        // The identifier stage runs apart from the profile stage: a link identity decided before the erasure can
        // reach it afterwards. Reads by that identifier must not find the erased profile.
        Identifier late = Identifier.newBuilder().setNamespace("email").setValue(u + "@late.example.com").build();
        kafka.send("cairn.identity.changes.v1", p, IdentityChange.newBuilder().setSequence(2)
                .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(p).addIdentifiers(late)
                .setOccurredAt(ProfileEngine.timestamp(now.toEpochMilli())).build());
        String lateKey = "email:" + late.getValue();
        await(() -> redis.execute("GET", MembershipStore.identifierKey(lateKey)) != null,
                WAIT);
        var byLate = ListMembershipsRequest.newBuilder().setProfile(ProfileRef.newBuilder().setIdentifier(late))
                .build();
        assertEquals(lateKey, stub.listMemberships(byLate).getProfileId(), "answered as its own, unknown profile");
        assertEquals(0, stub.listMemberships(byLate).getMembershipsCount());
        assertFalse(ask(ProfileRef.newBuilder().setIdentifier(late).build(), "pro_plan_not_churning").getMember());
    }

    List<String> members(StreamMembersRequest request) {
        var it = SegmentsServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(TestTokens.withRoles("segments.read"))).streamMembers(request);
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(page -> page.getMembersList().forEach(m -> out.add(m.getProfileId())));
        return out;
    }
}
