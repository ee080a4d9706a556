package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.DataRead;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.SubjectRead;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.testsupport.TestTokens;
import dev.cairn.testsupport.TopicReader;

/**
 * Every Resolve, BatchResolve and ExplainProfile identity answers leaves a DataRead on cairn.audit.reads.identity.v1
 * (real Kafka), with the caller, its client, the purpose, and every subject the answer revealed as a keyed hash; a
 * refused call leaves none. Consent's ReadAuditTest shows such a record reaching GetAuditTrail.
 */
@QuarkusTest
class ReadAuditTest {

    private static final String TOPIC = "cairn.audit.reads.identity.v1";
    private static final String SECRET = "dev-only-suppression-key-change-me";

    @Test
    void each_read_is_recorded_with_who_why_and_every_subject_it_revealed() {
        Identifier user = id("user_id", IdentityFixture.unique("audited"));
        Identifier anon = id("anonymous_id", IdentityFixture.unique("audited"));
        Identifier unknown = id("email", IdentityFixture.unique("nobody") + "@example.org");
        IdentityFixture.publish(IdentityFixture.links(anon, user));
        ManagedChannel channel = IdentityFixture.channel();
        try {
            String profile = IdentityFixture.awaitResolution(channel, anon, r -> r.getIdentifiersCount() == 2)
                    .getProfileId();
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("cairn-purpose", Metadata.ASCII_STRING_MARSHALLER), "personalization");
            IdentityServiceBlockingStub product = IdentityServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(TestTokens.bearer(TestTokens.withClaims(Map.of("azp", "product-web"),
                            "identity.read", "identity.operator")));
            product.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .resolve(ResolveRequest.newBuilder().setIdentifier(anon).build());
            product.batchResolve(BatchResolveRequest.newBuilder().addIdentifiers(unknown).addIdentifiers(user).build());
            product.explainProfile(ExplainProfileRequest.newBuilder().setProfileId(profile).build());

            DataRead resolve = awaitRead(r -> r.getAction().equals("identity.resolve")
                    && r.getActorClient().equals("product-web") && hashes(r).contains(hash(anon)));
            assertEquals("identity", resolve.getService());
            assertEquals("cairn.identity.v1.IdentityService/Resolve", resolve.getRpc());
            assertEquals("test-client", resolve.getActorSubject(), "who: the token's subject");
            assertEquals(Set.of(hash(anon), hash(user), hash("profile:" + profile)), hashes(resolve),
                    "the identifier asked about, every identifier the answer revealed, and the profile");
            assertTrue(resolve.getSubjectsList().stream().allMatch(s -> s.getPurpose().equals("personalization")),
                    "the caller's cairn-purpose header");
            assertEquals(List.of("identifiers", "profile_id"), resolve.getDataKindsList());
            assertTrue(resolve.getReadAt().getSeconds() > 0);

            DataRead batch = awaitRead(r -> r.getAction().equals("identity.batch_resolve")
                    && hashes(r).contains(hash(unknown)));
            assertEquals(Set.of(hash(unknown), hash(anon), hash(user), hash("profile:" + profile)), hashes(batch),
                    "an unknown identifier asked about is a subject too");
            assertTrue(batch.getSubjectsList().stream().allMatch(s -> s.getPurpose().equals("unspecified")),
                    "no purpose given: unspecified");

            DataRead explain = awaitRead(r -> r.getAction().equals("identity.explain")
                    && hashes(r).contains(hash("profile:" + profile)));
            assertEquals(List.of("identity_history"), explain.getDataKindsList());

            // A read the caller may not make returned nothing and is not recorded.
            Identifier refused = id("user_id", IdentityFixture.unique("refused"));
            StatusRuntimeException denied = assertThrows(StatusRuntimeException.class,
                    () -> IdentityFixture.stub(channel, "segments.read")
                            .resolve(ResolveRequest.newBuilder().setIdentifier(refused).build()));
            assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
            Identifier after = id("user_id", IdentityFixture.unique("after"));
            IdentityFixture.resolve(channel, after);
            awaitRead(r -> hashes(r).contains(hash(after)));
            assertEquals(List.of(), TopicReader.read(TOPIC, r -> hashes(parse(r.value())).contains(hash(refused)), 1,
                    Duration.ofSeconds(1)), "no record of the refused read, though a later read is there");
        } finally {
            channel.shutdownNow();
        }
    }

    private static DataRead awaitRead(Predicate<DataRead> match) {
        var found = TopicReader.read(TOPIC, r -> match.test(parse(r.value())), 1, Duration.ofSeconds(20));
        assertEquals(1, found.size(), "a matching DataRead on " + TOPIC);
        DataRead read = parse(found.get(0).value());
        assertEquals(read.getSubjects(0).getSubjectHash(), new String(found.get(0).key()),
                "keyed by its first subject: one subject's reads keep their order");
        return read;
    }

    private static Set<String> hashes(DataRead read) {
        return read.getSubjectsList().stream().map(SubjectRead::getSubjectHash).collect(Collectors.toSet());
    }

    private static String hash(Identifier id) {
        return hash(SubjectKeys.key(id.getNamespace(), id.getValue()));
    }

    private static String hash(String subjectKey) {
        return SubjectKeys.suppressionHash(subjectKey, SECRET);
    }

    private static DataRead parse(byte[] value) {
        try {
            return DataRead.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
