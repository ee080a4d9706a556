package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.eclipse.microprofile.health.HealthCheckResponse.Status.DOWN;
import static org.eclipse.microprofile.health.HealthCheckResponse.Status.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.Test;

import com.google.rpc.RetryInfo;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.identity.service.GraphReadiness;
import dev.cairn.identity.service.LogOutbox;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.BatchResolveResponse;
import dev.cairn.proto.identity.v1.Resolution;

/** Must hold: Redis flushed → rebuild from the log → every resolve answers exactly as before. */
@QuarkusTest
class RebuildTest {

    @Inject
    RedisDataSource redis;

    @Inject
    LogOutbox outbox;

    @Inject
    @Readiness
    GraphReadiness readiness;

    @Test
    void after_redis_is_flushed_a_rebuild_from_the_log_answers_every_resolve_exactly_as_before() {
        List<Identifier> ids = new ArrayList<>();
        String tag = IdentityFixture.unique("rb");
        Identifier u1 = id("user_id", tag + "-u1");
        Identifier u2 = id("user_id", tag + "-u2");
        Identifier a1 = id("anonymous_id", tag + "-a1");
        Identifier a2 = id("anonymous_id", tag + "-a2");
        Identifier tablet = id("device_id", tag + "-tablet");
        Identifier email = id("email", tag + "@rebuild.example.net");
        ids.addAll(List.of(u1, u2, a1, a2, tablet, email));
        IdentityFixture.publish(IdentityFixture.links(a1, tablet), IdentityFixture.links(a2, email));
        ManagedChannel channel = IdentityFixture.channel();
        try {
            IdentityFixture.awaitResolution(channel, email, Resolution::getFound);
            IdentityFixture.awaitResolution(channel, tablet, Resolution::getFound);
            // Sent one after the other so the log has a merge, then a demotion. The login carries the email: an
            // anonymous id alone never joins the email's profile to a user_id (rules.yaml, weak_links).
            IdentityFixture.publish(IdentityFixture.links(u1, a1, a2, email));
            IdentityFixture.awaitResolution(channel, email, r -> r.getIdentifiersCount() == 5);
            IdentityFixture.publish(IdentityFixture.links(u2, tablet));
            IdentityFixture.awaitResolution(channel, tablet, Resolution::getAmbiguous);
            IdentityFixture.awaitResolution(channel, u2, Resolution::getFound);

            BatchResolveResponse before = batch(channel, ids);
            // No check that Redis is empty in between: the outbox's recovery pass (every second, and after every
            // poll of links) starts replaying the log as soon as it finds Redis empty, which is this same replay.
            redis.flushall();
            GraphProbe.await(() -> outbox.rebuild("default"));
            BatchResolveResponse after = batch(channel, ids);
            assertEquals(before, after, "every resolve answers as before, profile ids included");
            assertEquals(6, before.getResolutionsList().stream().filter(Resolution::getFound).count());
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * Redis restarted empty (F5 of the faults suite): until the outbox has replayed the log, an answer would be made
     * from a partial graph and call people identity knows "not found". Every answer from the flush on must be either
     * UNAVAILABLE (with a retry delay) or exactly the answer before, and readiness is down until the graph is back.
     */
    @Test
    void while_an_emptied_redis_is_reloaded_resolve_answers_unavailable_never_not_found() {
        String tag = IdentityFixture.unique("nl");
        Identifier user = id("user_id", tag + "-u");
        Identifier anon = id("anonymous_id", tag + "-a");
        IdentityFixture.publish(IdentityFixture.links(user, anon));
        ManagedChannel channel = IdentityFixture.channel();
        try {
            IdentityFixture.awaitResolution(channel, anon, r -> r.getIdentifiersCount() == 2);
            BatchResolveResponse before = batch(channel, List.of(user, anon));
            assertEquals(UP, readiness.call().await().atMost(Duration.ofSeconds(10)).getStatus());

            // The marker goes with the flush; the scheduled pass (every second) replays the log and sets it again,
            // which takes several round trips to PostgreSQL and Redis: the calls right after the flush come first.
            redis.flushall();
            assertEquals(DOWN, readiness.call().await().atMost(Duration.ofSeconds(10)).getStatus(),
                    "not ready while the graph is being reloaded");
            int unavailable = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try {
                    BatchResolveResponse now = batch(channel, List.of(user, anon));
                    assertEquals(before, now, "after the flush, an answer is the answer before or none");
                    break;
                } catch (StatusRuntimeException e) {
                    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getMessage());
                    assertNotNull(StatusProto.fromThrowable(e), "UNAVAILABLE carries its details");
                    assertTrue(StatusProto.fromThrowable(e).getDetailsList().stream()
                            .anyMatch(d -> d.is(RetryInfo.class)), "UNAVAILABLE tells the caller when to retry");
                    unavailable++;
                }
                assertTrue(System.nanoTime() < deadline, "the graph was not reloaded in 30 s");
            }
            assertTrue(unavailable > 0, "the first call after the flush found the graph not loaded");
            assertEquals(UP, readiness.call().await().atMost(Duration.ofSeconds(10)).getStatus());
        } finally {
            channel.shutdownNow();
        }
    }

    private static BatchResolveResponse batch(ManagedChannel channel, List<Identifier> ids) {
        BatchResolveResponse response = IdentityFixture.stub(channel, "identity.read")
                .batchResolve(BatchResolveRequest.newBuilder().addAllIdentifiers(ids).build());
        // Members come back sorted, so equal graphs give equal responses.
        return response;
    }
}
