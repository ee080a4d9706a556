package dev.cairn.segments;

import static dev.cairn.segments.SegmentsWalkingSkeletonTest.await;
import static dev.cairn.segments.SegmentsWalkingSkeletonTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.segments.streams.SegmentsTopology;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TopicReader;

/**
 * A second instance of the service's topology joins mid-stream (taking over half the partitions with their
 * state) and is then stopped mid-stream (handing them back): every event is applied exactly once, and every
 * change is published exactly once. "Exactly four checkouts" is a member only if no event was lost and none
 * counted twice.
 */
@QuarkusTest
class RestartMidStreamTest {

    @Inject
    SegmentsTopology topology;

    @Test
    void a_second_instance_joining_and_stopping_mid_stream_loses_no_event_and_applies_none_twice() throws Exception {
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            users.add("r-" + UUID.randomUUID());
        }
        Instant now = Instant.now();
        KafkaStreams second = new KafkaStreams(topology.topology(), secondInstance());
        try (InputProducer kafka = new InputProducer()) {
            for (int round = 0; round < 4; round++) {
                // Round 1 lands while the second instance joins (rebalance), round 2 while both run, round 3 while
                // it leaves: each hand-over of tasks happens with events in flight.
                if (round == 1) {
                    second.start();
                }
                if (round == 2) {
                    Awaitility.await("the second instance runs").atMost(Duration.ofSeconds(60))
                            .until(() -> second.state() == KafkaStreams.State.RUNNING);
                }
                if (round == 3) {
                    second.close(Duration.ofSeconds(30));
                }
                for (String u : users) {
                    kafka.event(InputProducer.track(u, "checkout_completed", now.plusMillis(round), Map.of()));
                }
            }
        } finally {
            second.close(Duration.ofSeconds(30));
        }

        ManagedChannel channel = TestChannels.open();
        try {
            var stub = TestChannels.reader(channel);
            for (String u : users) {
                IsMemberRequest ask = IsMemberRequest.newBuilder().addQueries(MembershipQuery.newBuilder()
                        .setProfile(ProfileRef.newBuilder()
                                .setIdentifier(Identifier.newBuilder().setNamespace("user_id").setValue(u)))
                        .setSegmentId("exactly_four_checkouts")).build();
                await(() -> stub.isMember(ask).getAnswers(0).getMember(), Duration.ofSeconds(90));
            }
        } finally {
            channel.shutdownNow();
        }
        var records = TopicReader.read("cairn.segments.changes.v1", r -> {
            MembershipChange c = parse(r.value());
            return c.getSegmentId().equals("repeat_buyers") && users.contains(c.getProfileId().substring(8));
        }, users.size(), Duration.ofSeconds(20));
        assertEquals(users.size(), records.size(), "one ENTERED per profile, published once");
        for (var r : records) {
            MembershipChange c = parse(r.value());
            assertEquals(MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED, c.getTransition());
            assertEquals(1, c.getMembershipVersion());
        }
        assertTrue(records.stream().map(r -> parse(r.value()).getProfileId()).distinct().count() == users.size());
    }

    static Properties secondInstance() throws Exception {
        var config = ConfigProvider.getConfig();
        Properties p = new Properties();
        // As segments itself: its principal, whose ACLs cover the application's groups and internal topics.
        p.putAll(RealInfra.kafka().clientConfig("segments", Map.of()));
        p.put(StreamsConfig.APPLICATION_ID_CONFIG,
                config.getValue("quarkus.kafka-streams.application-id", String.class));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.STATE_DIR_CONFIG,
                Files.createTempDirectory(Path.of("target"), "second-instance-").toString());
        p.put("consumer.session.timeout.ms", 10000);
        p.put("consumer.heartbeat.interval.ms", 500);
        p.put("consumer.auto.offset.reset", "earliest");
        return p;
    }
}
