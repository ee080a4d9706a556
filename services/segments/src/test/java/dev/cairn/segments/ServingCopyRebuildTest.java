package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.rpc.RetryInfo;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.GetTraitsResponse;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
import dev.cairn.proto.segments.v1.StreamMembersRequest;
import dev.cairn.proto.segments.v1.StreamMembersResponse;
import dev.cairn.segments.service.ProfileState;
import dev.cairn.segments.service.ServingCopyReadiness;
import dev.cairn.segments.store.MembershipStore;

/**
 * Must hold (faults issue, F6): Redis loses segments' data (FLUSHALL) while segments runs → no read answers from the
 * emptied Redis; every answer is either UNAVAILABLE with RetryInfo or exactly the answer from before the flush, the
 * instance is not ready meanwhile, and within a bounded time, without any new event, every answer is back to what it
 * was (the Streams tasks rewrote Redis from their stores).
 */
@QuarkusTest
class ServingCopyRebuildTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Computed traits are written again stamped with the rewrite's time (the state keeps values, not times). */
    private static final Set<String> COMPUTED = Set.of("orders_last_90_days", "revenue_last_90_days",
            "last_ping_color_4s");
    private static final List<String> SEGMENTS = List.of("repeat_buyers", "big_spenders", "pro_plan_not_churning",
            "exactly_four_checkouts", "personalized_repeat_buyers");

    @Inject
    RedisDataSource redis;
    @Inject
    MembershipStore store;
    @Inject
    @Readiness
    ServingCopyReadiness readiness;
    ManagedChannel channel;
    SegmentsServiceGrpc.SegmentsServiceBlockingStub stub;

    @BeforeEach
    void open() {
        channel = TestChannels.open();
        stub = TestChannels.reader(channel);
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    @Test
    void after_redis_is_flushed_reads_refuse_until_the_stores_are_rewritten_then_answer_exactly_as_before() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Instant now = Instant.now();
        // Half the users are linked by identity to a profile of their own (their provisional profile is absorbed
        // into it: an identifier mapping and a merge mark in Redis), half stay provisional.
        Map<String, String> profileOf = new LinkedHashMap<>();
        try (InputProducer kafka = new InputProducer()) {
            for (int i = 0; i < 6; i++) {
                String user = "rebuild-" + run + "-" + i;
                kafka.event(InputProducer.identify(user, now.minusSeconds(60),
                        Map.of("plan", Value.newBuilder().setStringValue(i % 3 == 0 ? "pro" : "free").build())));
                kafka.event(InputProducer.track(user, "checkout_completed", now.minusSeconds(50), Map.of()));
                if (i % 2 == 0) {
                    kafka.event(InputProducer.track(user, "checkout_completed", now.minusSeconds(40), Map.of()));
                }
                kafka.event(InputProducer.track(user, "order_completed", now.minusSeconds(30),
                        Map.of("total", Value.newBuilder().setIntValue(300L * (i + 1)).build())));
                if (i % 2 == 1) {
                    String profile = "rebuild-p-" + run + "-" + i;
                    kafka.send("cairn.identity.changes.v1", profile, IdentityChange.newBuilder().setSequence(1)
                            .setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(profile)
                            .addIdentifiers(Identifier.newBuilder().setNamespace("user_id").setValue(user))
                            .setOccurredAt(dev.cairn.segments.service.ProfileEngine.timestamp(now.toEpochMilli()))
                            .build());
                    profileOf.put(user, profile);
                } else {
                    profileOf.put(user, "user_id:" + user);
                }
            }
        }
        List<Supplier<Object>> reads = reads(profileOf);
        // Everything settled: each user's last input (the order, and the link) is visible.
        Awaitility.await("inputs applied").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> profileOf
                .entrySet().stream().allMatch(e -> {
                    var traits = stub.getTraits(GetTraitsRequest.newBuilder().setProfile(user(e.getKey())).build());
                    return traits.getProfileId().equals(e.getValue())
                            && traits.getTraits().containsFields("revenue_last_90_days");
                }));
        List<Object> before = reads.stream().map(Supplier::get).toList();
        assertTrue(before.toString().contains("big_spenders"), "the fixture has memberships to lose: " + before);

        redis.flushall();
        long flushed = System.nanoTime();
        HealthCheckResponse right = readiness.call().await().atMost(Duration.ofSeconds(5));
        assertEquals(HealthCheckResponse.Status.DOWN, right.getStatus(), "not ready once Redis lost the data");

        int[] unavailable = {0};
        Awaitility.await("every answer back to what it was, without any new event").atMost(WAIT)
                .pollInterval(Duration.ofMillis(20)).until(() -> {
                    boolean all = true;
                    for (int i = 0; i < reads.size(); i++) {
                        try {
                            assertEquals(before.get(i), reads.get(i).get(),
                                    "after the flush, an answer is the answer before or none");
                        } catch (StatusRuntimeException e) {
                            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e::toString);
                            com.google.rpc.Status details = StatusProto.fromThrowable(e);
                            assertTrue(details != null && details.getDetailsList().stream()
                                    .anyMatch(a -> a.is(RetryInfo.class)), "UNAVAILABLE carries RetryInfo: " + e);
                            unavailable[0]++;
                            all = false;
                        }
                    }
                    return all;
                });
        long back = System.nanoTime();
        System.out.printf("serving copy after FLUSHALL: every answer back in %d ms; %d answers UNAVAILABLE before%n",
                (back - flushed) / 1_000_000, unavailable[0]);
        assertTrue(unavailable[0] > 0, "the reads right after the flush found Redis not loaded");
        assertEquals(HealthCheckResponse.Status.UP, readiness.call().await().atMost(Duration.ofSeconds(5)).getStatus());
    }

    /**
     * The rewrite's write rate at the production batch size (256 profiles per pipeline), straight into Redis: what a
     * pass costs per profile, apart from the stream thread's loop between slices. Profiles of two memberships (one in,
     * one out), two traits and a computed trait, under a segment id no definition has, so no other test sees them.
     */
    @Test
    void a_rewrite_writes_profiles_in_pipelines_and_they_read_back_as_stored() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, ProfileState> batch = new LinkedHashMap<>();
        int profiles = 0;
        long started = System.nanoTime();
        for (int b = 0; b < 20; b++) {
            batch.clear();
            for (int i = 0; i < 256; i++) {
                String id = "rate-" + run + "-" + profiles++;
                ProfileState s = new ProfileState(id);
                s.memberships.put("rate_probe_in", record(3, true, 1_700_000_000_000L));
                s.memberships.put("rate_probe_out", record(2, false, 0));
                s.traits.put("plan", new ProfileState.Stamped(1_700_000_000_000L, "m",
                        Value.newBuilder().setStringValue("pro").build().toByteArray()));
                s.traits.put("country", new ProfileState.Stamped(1_700_000_000_001L, "m",
                        Value.newBuilder().setStringValue("fr").build().toByteArray()));
                s.computed.put("orders_last_90_days", Value.newBuilder().setIntValue(4).build().toByteArray());
                batch.put(id, s);
            }
            store.restoreProfiles(batch, 1_800_000_000_000L);
        }
        long ms = Math.max(1, (System.nanoTime() - started) / 1_000_000);
        System.out.printf("serving copy rewrite: %d profiles in %d ms (%d profiles/s) at 256 per pipeline%n",
                profiles, ms, profiles * 1000L / ms);
        String last = "rate-" + run + "-" + (profiles - 1);
        assertEquals("3|1|1700000000000|1",
                redis.hash(String.class).hget(MembershipStore.membershipsKey(last), "rate_probe_in"));
        assertEquals("2|0|0|1", redis.hash(String.class).hget(MembershipStore.membershipsKey(last), "rate_probe_out"));
        assertEquals(profiles, redis.sortedSet(String.class).zcard(MembershipStore.membersKey("rate_probe_in")));
        assertEquals(0, redis.sortedSet(String.class).zcard(MembershipStore.membersKey("rate_probe_out")));
        assertEquals(2, redis.hash(String.class).hlen(MembershipStore.traitsKey(last)));
        redis.key().del(MembershipStore.membersKey("rate_probe_in"));
    }

    private static ProfileState.MembershipRecord record(long version, boolean member, long since) {
        ProfileState.MembershipRecord m = new ProfileState.MembershipRecord();
        m.version = version;
        m.member = member;
        m.since = since;
        m.definitionVersion = 1;
        return m;
    }

    /** Every read RPC, by identifier and by profile id; each answer must come back exactly. */
    private List<Supplier<Object>> reads(Map<String, String> profileOf) {
        List<Supplier<Object>> reads = new ArrayList<>();
        profileOf.forEach((user, profile) -> {
            for (ProfileRef ref : List.of(user(user), ProfileRef.newBuilder().setProfileId(profile).build())) {
                IsMemberRequest.Builder ask = IsMemberRequest.newBuilder();
                SEGMENTS.forEach(s -> ask.addQueries(MembershipQuery.newBuilder().setProfile(ref).setSegmentId(s)));
                reads.add(() -> stub.isMember(ask.build()));
                reads.add(() -> stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(ref).build()));
                reads.add(() -> withoutComputedTimes(
                        stub.getTraits(GetTraitsRequest.newBuilder().setProfile(ref).build())));
            }
        });
        for (String segment : SEGMENTS) {
            reads.add(() -> members(segment, profileOf));
        }
        return reads;
    }

    /** The segment's members among this test's profiles (other tests' profiles share the index), with their since. */
    private List<String> members(String segment, Map<String, String> profileOf) {
        List<String> out = new ArrayList<>();
        Iterator<StreamMembersResponse> pages = stub
                .streamMembers(StreamMembersRequest.newBuilder().setSegmentId(segment).setPageSize(50).build());
        pages.forEachRemaining(page -> page.getMembersList().stream()
                .filter(m -> profileOf.containsValue(m.getProfileId()))
                .forEach(m -> out.add(m.getProfileId() + "@" + m.getSince())));
        return out;
    }

    private static GetTraitsResponse withoutComputedTimes(GetTraitsResponse r) {
        GetTraitsResponse.Builder b = r.toBuilder();
        COMPUTED.forEach(b::removeUpdatedAt);
        return b.build();
    }

    private static ProfileRef user(String value) {
        return ProfileRef.newBuilder().setIdentifier(Identifier.newBuilder().setNamespace("user_id").setValue(value))
                .build();
    }
}
