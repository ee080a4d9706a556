package dev.cairn.consent;

import static dev.cairn.consent.ConsentRecordingTest.awaitTrue;
import static dev.cairn.consent.ConsentRecordingTest.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.consent.messaging.ReadAuditConsumer;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.platform.kafka.DeadLetters;
import dev.cairn.proto.consent.v1.AuditEntry;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc.ConsentServiceBlockingStub;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.GetAuditTrailRequest;
import dev.cairn.proto.consent.v1.GetConsentStateRequest;
import dev.cairn.proto.events.v1.DataRead;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.SubjectRead;
import dev.cairn.testsupport.DeadLetterProbe;
import dev.cairn.testsupport.TestTokens;

/**
 * Reads of personal data reach the audit trail: consent's own Decide and GetConsentState through platform's recorder,
 * the real topic and the consumer; what identity (or segments) writes to its topic, once however often delivered;
 * a record that is garbage, or claims another service than its topic's, is dead-lettered and the next one is stored.
 */
@QuarkusTest
class ReadAuditTest {

    private static final String SECRET = "dev-only-suppression-key-change-me";

    private ManagedChannel channel;
    private ConsentServiceBlockingStub privacy;

    @BeforeEach
    void open() {
        channel = TestChannels.open();
        privacy = TestChannels.stub(channel, "consent.privacy");
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    @Test
    void decide_and_get_consent_state_are_in_the_trail_with_the_caller_its_client_and_the_purpose() {
        Identifier user = id("user_id", "reader-" + UUID.randomUUID());
        Identifier anon = id("anonymous_id", "reader-" + UUID.randomUUID());
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("cairn-purpose", Metadata.ASCII_STRING_MARSHALLER), "support-ticket-42");
        ConsentServiceBlockingStub product = ConsentServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(TestTokens.withClaims(Map.of("azp", "product-web"),
                        "consent.read")));

        product.decide(DecideRequest.newBuilder()
                .addQueries(DecisionQuery.newBuilder().setSubject(user).setPurpose("analytics"))
                .addQueries(DecisionQuery.newBuilder().setSubject(anon).setPurpose("personalization")).build());
        product.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .getConsentState(GetConsentStateRequest.newBuilder().setSubject(user).build());

        awaitTrue(() -> reads(user).size() == 2);
        List<AuditEntry> userReads = reads(user);
        AuditEntry state = userReads.get(0);
        assertEquals("consent.state.read", state.getAction(), "newest first: " + userReads);
        assertEquals("support-ticket-42", state.getPurpose(), "the caller's cairn-purpose header");
        assertEquals(List.of("consent_state"), state.getDataKindsList());
        AuditEntry decide = userReads.get(1);
        assertEquals("consent.decide", decide.getAction());
        assertEquals("analytics", decide.getPurpose(), "a Decide query's own purpose");
        assertEquals(List.of("consent_decision"), decide.getDataKindsList());
        for (AuditEntry e : userReads) {
            assertEquals("test-client", e.getActor(), "who: the token's subject");
            assertEquals("product-web", e.getClient(), "and its client (azp)");
            assertTrue(e.getDetail().contains("cairn.consent.v1.ConsentService/"), e.getDetail());
        }
        awaitTrue(() -> reads(anon).size() == 1);
        assertEquals("personalization", reads(anon).get(0).getPurpose(), "each query under its own purpose");
        assertFalse(privacy.getAuditTrail(GetAuditTrailRequest.newBuilder().setSubject(user).build()).toString()
                .contains(user.getValue()), "no personal value in the trail");
    }

    @Test
    void a_read_identity_recorded_is_in_the_trail_once_however_often_kafka_delivers_it() {
        Identifier email = id("email", "Reader-" + UUID.randomUUID() + "@Example.org");
        byte[] read = identityRead(email, "identity").toByteArray();
        TestKafka.send("cairn.audit.reads.identity.v1", "r", read);
        TestKafka.send("cairn.audit.reads.identity.v1", "r", read);
        awaitTrue(() -> reads(email).size() == 1);
        // A later read shows the duplicate was not just slow: everything before it on the partition was consumed.
        byte[] later = identityRead(email, "identity").toByteArray();
        TestKafka.send("cairn.audit.reads.identity.v1", "r", later);
        awaitTrue(() -> reads(email).size() >= 2);
        assertEquals(2, reads(email).size(), "the same key, one partition: the duplicate before it added nothing");

        AuditEntry entry = reads(email).get(1);
        assertEquals("identity.resolve", entry.getAction());
        assertEquals("svc-account", entry.getActor());
        assertEquals("cairn-product", entry.getClient());
        assertEquals("unspecified", entry.getPurpose());
        assertEquals(List.of("identifiers", "profile_id"), entry.getDataKindsList());
        assertEquals("identity cairn.identity.v1.IdentityService/Resolve", entry.getDetail());
        assertEquals(1_700_000_000L, entry.getAt().getSeconds(), "when it was read, not when it was stored");
    }

    @Test
    void garbage_or_a_read_claiming_another_service_is_dead_lettered_and_the_next_read_is_stored() {
        Identifier user = id("user_id", "poison-" + UUID.randomUUID());
        int port = ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
        String consumer = ReadAuditConsumer.CONSUMER;
        double unparsable = DeadLetterProbe.deadLetterCount(port, consumer, "unparsable");
        double invalid = DeadLetterProbe.deadLetterCount(port, consumer, "invalid");
        byte[] garbage = ("not a DataRead \u0001 " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        // Written to identity's topic but claiming to be segments': only segments' principal may write its reads.
        byte[] forged = identityRead(user, "segments").toByteArray();
        TestKafka.send("cairn.audit.reads.identity.v1", "r", garbage);
        TestKafka.send("cairn.audit.reads.identity.v1", "r", forged);
        TestKafka.send("cairn.audit.reads.identity.v1", "r", identityRead(user, "identity").toByteArray());

        awaitTrue(() -> reads(user).size() == 1);
        assertEquals("unparsable", DeadLetterProbe.header(
                DeadLetterProbe.deadLettersOf(consumer, garbage, 1, Duration.ofSeconds(20)).get(0),
                DeadLetters.REASON));
        assertEquals("invalid", DeadLetterProbe.header(
                DeadLetterProbe.deadLettersOf(consumer, forged, 1, Duration.ofSeconds(20)).get(0),
                DeadLetters.REASON));
        awaitTrue(() -> DeadLetterProbe.deadLetterCount(port, consumer, "unparsable") == unparsable + 1
                && DeadLetterProbe.deadLetterCount(port, consumer, "invalid") == invalid + 1);
        assertEquals("identity", reads(user).get(0).getDetail().split(" ")[0], "the forged read is not stored");
    }

    /** A read as identity's recorder writes it: Resolve by svc-account through cairn-product, without a purpose. */
    private static DataRead identityRead(Identifier subject, String service) {
        String hash = SubjectKeys.suppressionHash(SubjectKeys.key(subject.getNamespace(), subject.getValue()), SECRET);
        return DataRead.newBuilder().setRecordId(UUID.randomUUID().toString()).setService(service)
                .setRpc("cairn.identity.v1.IdentityService/Resolve").setAction("identity.resolve")
                .setActorSubject("svc-account").setActorClient("cairn-product")
                .setReadAt(Timestamp.newBuilder().setSeconds(1_700_000_000L))
                .addSubjects(SubjectRead.newBuilder().setSubjectHash(hash).setPurpose("unspecified"))
                .addDataKinds("identifiers").addDataKinds("profile_id").build();
    }

    /** The trail's reads of personal data (not the trail's own reads, which every GetAuditTrail adds). */
    private List<AuditEntry> reads(Identifier subject) {
        return privacy.getAuditTrail(GetAuditTrailRequest.newBuilder().setSubject(subject).build()).getEntriesList()
                .stream().filter(e -> !e.getAction().equals("privacy.audit.read")).toList();
    }
}
