package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
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
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc.SegmentsServiceBlockingStub;
import dev.cairn.testsupport.TestTokens;
import dev.cairn.testsupport.TopicReader;

/**
 * GetTraits, ListMemberships and IsMember leave a DataRead on cairn.audit.reads.segments.v1 (real Kafka) with the
 * caller, its client, the purpose and the subject as a keyed hash. Consent's ReadAuditTest shows such a record
 * reaching GetAuditTrail.
 */
@QuarkusTest
class ReadAuditTest {

    private static final String TOPIC = "cairn.audit.reads.segments.v1";
    private static final String SECRET = "dev-only-suppression-key-change-me";

    @Test
    void traits_memberships_and_is_member_reads_are_recorded_with_who_why_and_whose() {
        Identifier user = Identifier.newBuilder().setNamespace("user_id").setValue("audited-" + UUID.randomUUID())
                .build();
        ProfileRef profile = ProfileRef.newBuilder().setIdentifier(user).build();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("cairn-purpose", Metadata.ASCII_STRING_MARSHALLER), "personalization");
        ManagedChannel channel = TestChannels.open();
        try {
            SegmentsServiceBlockingStub product = SegmentsServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(TestTokens.bearer(TestTokens.withClaims(Map.of("client_id", "product-web"),
                            "segments.read")))
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            // UNAVAILABLE until segments has read its inputs once after start; a caller retries it.
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptionsMatching(e -> e instanceof StatusRuntimeException s
                            && s.getStatus().getCode() == Status.Code.UNAVAILABLE)
                    .until(() -> product.getTraits(GetTraitsRequest.newBuilder().setProfile(profile).build()) != null);
            product.listMemberships(ListMembershipsRequest.newBuilder().setProfile(profile).build());
            product.isMember(IsMemberRequest.newBuilder().addQueries(MembershipQuery.newBuilder().setProfile(profile)
                    .setSegmentId("repeat_buyers")).build());

            for (String action : List.of("segments.traits.read", "segments.memberships.read", "segments.is_member")) {
                DataRead read = awaitRead(r -> r.getAction().equals(action) && hashes(r).contains(hash(user)));
                assertEquals("segments", read.getService());
                assertEquals("test-client", read.getActorSubject(), action);
                assertEquals("product-web", read.getActorClient(), "client_id when the token has no azp");
                assertTrue(read.getSubjectsList().stream().allMatch(s -> s.getPurpose().equals("personalization")),
                        action + ": " + read);
            }
            assertEquals(List.of("traits"),
                    awaitRead(r -> r.getAction().equals("segments.traits.read") && hashes(r).contains(hash(user)))
                            .getDataKindsList());
        } finally {
            channel.shutdownNow();
        }
    }

    private static DataRead awaitRead(Predicate<DataRead> match) {
        var found = TopicReader.read(TOPIC, r -> match.test(parse(r.value())), 1, Duration.ofSeconds(20));
        assertEquals(1, found.size(), "a matching DataRead on " + TOPIC);
        return parse(found.get(0).value());
    }

    private static Set<String> hashes(DataRead read) {
        return read.getSubjectsList().stream().map(SubjectRead::getSubjectHash).collect(Collectors.toSet());
    }

    private static String hash(Identifier id) {
        return SubjectKeys.suppressionHash(SubjectKeys.key(id.getNamespace(), id.getValue()), SECRET);
    }

    private static DataRead parse(byte[] value) {
        try {
            return DataRead.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
