package dev.cairn.segments;

import static dev.cairn.segments.SegmentsWalkingSkeletonTest.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;

/**
 * A small in-process load measurement (the real load tests belong in load-tests/): freshness (event time to
 * membership visible in Redis, from segments' own timer) over a burst of events, and IsMember latency over
 * sequential gRPC calls. Prints the numbers; asserts only generous bounds, since the machine is shared.
 */
@QuarkusTest
class FreshnessAndIsMemberLatencyTest {

    @Inject
    MeterRegistry registry;

    @Test
    void a_burst_of_events_becomes_visible_within_seconds_and_is_member_answers_in_milliseconds() throws Exception {
        int profiles = 300;
        List<String> users = new ArrayList<>();
        try (InputProducer kafka = new InputProducer()) {
            for (int i = 0; i < profiles; i++) {
                String u = "load-" + UUID.randomUUID();
                users.add(u);
                kafka.event(InputProducer.track(u, "load_ping", Instant.now(), Map.of()));
            }
        }
        ManagedChannel channel = TestChannels.open();
        try {
            var stub = TestChannels.reader(channel);
            for (String u : users) {
                // Partitions progress independently: wait for every profile, not just the last one sent.
                await(() -> stub.isMember(ask(u)).getAnswers(0).getMember(), Duration.ofSeconds(120));
            }
            var timer = registry.find("segments.evaluation.latency").timer();
            double p99 = Arrays.stream(timer.takeSnapshot().percentileValues())
                    .filter(v -> v.percentile() == 0.99).findFirst().orElseThrow().value(TimeUnit.MILLISECONDS);
            System.out.printf("freshness over %d changes: mean %.0f ms, max %.0f ms, p99 %.0f ms%n", timer.count(),
                    timer.mean(TimeUnit.MILLISECONDS), timer.max(TimeUnit.MILLISECONDS), p99);

            long[] nanos = new long[2000];
            for (int i = 0; i < nanos.length; i++) {
                IsMemberRequest request = ask(users.get(i % users.size()));
                long start = System.nanoTime();
                assertTrue(stub.isMember(request).getAnswers(0).getMember());
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            double p50 = nanos[nanos.length / 2] / 1e6;
            double p99IsMember = nanos[nanos.length * 99 / 100] / 1e6;
            System.out.printf("IsMember over %d sequential calls: p50 %.2f ms, p99 %.2f ms%n", nanos.length, p50,
                    p99IsMember);
            assertTrue(timer.max(TimeUnit.MILLISECONDS) < 30_000, "freshness within 30 s even on a shared machine");
            assertTrue(p99IsMember < 250, "IsMember p99 under 250 ms");
        } finally {
            channel.shutdownNow();
        }
    }

    static IsMemberRequest ask(String user) {
        return IsMemberRequest.newBuilder().addQueries(MembershipQuery.newBuilder()
                .setProfile(ProfileRef.newBuilder()
                        .setIdentifier(Identifier.newBuilder().setNamespace("user_id").setValue(user)))
                .setSegmentId("load_pinged_today")).build();
    }
}
