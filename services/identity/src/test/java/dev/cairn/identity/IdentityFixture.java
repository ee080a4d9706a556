package dev.cairn.identity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;

import com.google.protobuf.Timestamp;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentifierLinks;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TestTokens;

/** What the tests need to talk to the running service: a channel, tokens, and links sent over real Kafka. */
final class IdentityFixture {

    private IdentityFixture() {
    }

    static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
    }

    static ManagedChannel channel() {
        return ManagedChannelBuilder.forAddress("127.0.0.1", port()).usePlaintext().build();
    }

    static IdentityServiceGrpc.IdentityServiceBlockingStub stub(ManagedChannel channel, String... roles) {
        return IdentityServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(TestTokens.withRoles(roles)));
    }

    static Identifier id(String namespace, String value) {
        return Identifier.newBuilder().setNamespace(namespace).setValue(value).build();
    }

    static IdentifierLinks links(Identifier... ids) {
        Instant now = Instant.now();
        return IdentifierLinks.newBuilder().setSourceId("test-source").setMessageId("m-" + UUID.randomUUID())
                .setEventTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setReceivedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond())).addAllIdentifiers(List.of(ids))
                .build();
    }

    /** Publishes the links as ingest would: to cairn.identity.links.v1 on the real broker, keyed by the first id. */
    static void publish(IdentifierLinks... records) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                RealInfra.kafka().operatorConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(),
                new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (IdentifierLinks links : records) {
                Identifier key = links.getIdentifiers(0);
                sent.add(producer.send(new ProducerRecord<>("cairn.identity.links.v1",
                        key.getNamespace() + ":" + key.getValue(), links.toByteArray())));
            }
            for (var f : sent) {
                f.get();
            }
        } catch (Exception e) {
            throw new AssertionError("cannot publish links", e);
        }
    }

    static Resolution resolve(ManagedChannel channel, Identifier id) {
        return stub(channel, "identity.read").resolve(ResolveRequest.newBuilder().setIdentifier(id).build())
                .getResolution();
    }

    /** Resolves until the answer matches, or fails with the last answer. */
    static Resolution awaitResolution(ManagedChannel channel, Identifier id, Predicate<Resolution> done) {
        return await(() -> resolve(channel, id), done, Duration.ofSeconds(30));
    }

    static <T> T await(Supplier<T> probe, Predicate<T> done, Duration timeout) {
        // UNAVAILABLE is what a caller retries: identity answers it until its graph is loaded after a start.
        return Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsMatching(e -> e instanceof StatusRuntimeException s
                        && s.getStatus().getCode() == Status.Code.UNAVAILABLE)
                .until(probe::get, done::test);
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
