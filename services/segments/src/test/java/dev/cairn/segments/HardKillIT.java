package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
import dev.cairn.testsupport.KafkaResource;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TestTokens;
import dev.cairn.testsupport.TopicReader;

/**
 * The packaged service, twice, against real Kafka and Redis: one instance is killed with SIGKILL while events
 * flow (no shutdown hook, no commit, an open Kafka transaction), and the survivor takes over its partitions
 * and state. "Exactly four checkouts" is a member only if no event was lost and none counted twice, and each
 * profile's ENTERED is published exactly once.
 */
class HardKillIT {

    private final List<Process> instances = new ArrayList<>();

    @AfterEach
    void stop() {
        instances.forEach(Process::destroyForcibly);
    }

    @Test
    void an_instance_killed_mid_stream_loses_no_event_and_applies_none_twice() throws Exception {
        String redis = RealInfra.redis().url();
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            users.add("k-" + UUID.randomUUID());
        }
        Instant now = Instant.now();
        int survivorPort = freePort();
        start("survivor", survivorPort, redis);
        // Both start before any event, so the partitions are shared between them from the first record on.
        int victimPort = freePort();
        Process victim = start("victim", victimPort, redis);

        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", survivorPort).usePlaintext().build();
        try (KafkaProducer<byte[], byte[]> kafka = new KafkaProducer<>(
                RealInfra.kafka().operatorConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all")),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            var stub = SegmentsServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(TestTokens.bearer(TestTokens.withRoles("segments.read")));
            for (int round = 0; round < 4; round++) {
                for (String u : users) {
                    Event e = InputProducer.track(u, "checkout_completed", now.plusMillis(round), Map.of());
                    kafka.send(new ProducerRecord<>("cairn.events.governed.v1", u.getBytes(), e.toByteArray()));
                }
                kafka.flush();
                if (round == 1) {
                    // Both instances have applied two checkouts for their profiles (so the victim holds state
                    // of its own), and round three goes out and is killed in the middle.
                    for (String u : users) {
                        await("two checkouts for " + u, () -> member(stub, u, "repeat_buyers"),
                                Duration.ofSeconds(120));
                    }
                }
                if (round == 2) {
                    victim.destroyForcibly().waitFor();
                }
            }
            for (String u : users) {
                await("four checkouts counted once for " + u, () -> member(stub, u, "exactly_four_checkouts"),
                        Duration.ofSeconds(120));
            }
        } finally {
            channel.shutdownNow();
        }
        var records = TopicReader.read("cairn.segments.changes.v1", r -> {
            MembershipChange c = parse(r.value());
            return c.getSegmentId().equals("repeat_buyers") && users.contains(c.getProfileId().substring(8));
        }, users.size(), Duration.ofSeconds(30));
        assertEquals(users.size(), records.size(), "one ENTERED per profile, published once (read committed)");
        for (var r : records) {
            MembershipChange c = parse(r.value());
            assertEquals(MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED, c.getTransition());
            assertEquals(1, c.getMembershipVersion());
        }
        assertTrue(records.stream().map(r -> parse(r.value()).getProfileId()).distinct().count() == users.size());
    }

    private static boolean member(SegmentsServiceGrpc.SegmentsServiceBlockingStub stub, String user, String segment) {
        IsMemberRequest ask = IsMemberRequest.newBuilder().addQueries(MembershipQuery.newBuilder()
                .setProfile(ProfileRef.newBuilder()
                        .setIdentifier(Identifier.newBuilder().setNamespace("user_id").setValue(user)))
                .setSegmentId(segment)).build();
        return stub.isMember(ask).getAnswers(0).getMember();
    }

    /** Starts the packaged service (target/quarkus-app) with the test profile's definitions and timings. */
    private Process start(String name, int port, String redis) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "hard-kill-" + name + "-");
        int management = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-Dquarkus.profile=test",
                "-Dquarkus.redis.hosts=" + redis, "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.port=" + management, "-Dkafka-streams.state.dir=" + dir.resolve("state")));
        KafkaResource.properties("segments").forEach((k, v) -> command.add("-D" + k + "=" + v));
        new TestTokens().start().forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", "target/quarkus-app/quarkus-run.jar"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("service.log").toFile()).start();
        instances.add(p);
        await(name + " ready (log: " + dir.resolve("service.log") + ")", () -> ready(management),
                Duration.ofSeconds(120));
        return p;
    }

    private static boolean ready(int management) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + management + "/q/health/ready")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void await(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(250)).until(condition::getAsBoolean);
    }

    private static MembershipChange parse(byte[] bytes) {
        try {
            return MembershipChange.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
