package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.MembershipChangeCause;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
import dev.cairn.proto.segments.v1.WatchMembershipChangesRequest;
import dev.cairn.proto.segments.v1.WatchMembershipChangesResponse;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.testsupport.TestTokens;

@QuarkusTest
class WatchMembershipChangesTest {

    @Test
    void a_watcher_sees_entering_and_after_reconnecting_with_its_resume_token_sees_only_what_came_next()
            throws Exception {
        String u = "watch-" + UUID.randomUUID();
        String profile = "user_id:" + u;
        Instant start = Instant.now();
        ManagedChannel channel = TestChannels.open();
        try (InputProducer kafka = new InputProducer()) {
            var stub = SegmentsServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(TestTokens.bearer(TestTokens.withRoles("segments.read")));
            kafka.event(InputProducer.track(u, "checkout_completed", start, Map.of()));
            kafka.event(InputProducer.track(u, "checkout_completed", start.plusMillis(1), Map.of()));

            Iterator<WatchMembershipChangesResponse> first = stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .watchMembershipChanges(WatchMembershipChangesRequest.newBuilder().addSegmentIds("repeat_buyers")
                            .setPublishedSince(ProfileEngine.timestamp(start.toEpochMilli() - 1000)).build());
            WatchMembershipChangesResponse entered = next(first, profile);
            assertEquals(MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED, entered.getChange().getTransition());

            kafka.send("cairn.consent.state.v1", profile,
                    MembershipLifecycleTest.consent(u, 1, ConsentStatus.CONSENT_STATUS_WITHDRAWN));
            Iterator<WatchMembershipChangesResponse> resumed = stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .watchMembershipChanges(WatchMembershipChangesRequest.newBuilder().addSegmentIds("repeat_buyers")
                            .setResumeToken(entered.getResumeToken()).build());
            WatchMembershipChangesResponse left = next(resumed, profile);
            assertEquals(MembershipTransition.MEMBERSHIP_TRANSITION_LEFT, left.getChange().getTransition(),
                    "the change after the token, not the one before it again");
            assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_CONSENT, left.getChange().getCause());
            assertEquals(2, left.getChange().getMembershipVersion());
        } finally {
            channel.shutdownNow();
        }
    }

    static WatchMembershipChangesResponse next(Iterator<WatchMembershipChangesResponse> it, String profile) {
        while (it.hasNext()) {
            WatchMembershipChangesResponse r = it.next();
            if (r.getChange().getProfileId().equals(profile)) {
                return r;
            }
        }
        throw new AssertionError("stream ended");
    }
}
