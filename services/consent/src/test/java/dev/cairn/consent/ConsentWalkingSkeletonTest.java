package dev.cairn.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.Decision;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.consent.v1.RecordConsentResponse;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.testsupport.TopicReader;

@QuarkusTest
class ConsentWalkingSkeletonTest {

    @Test
    void a_grant_recorded_over_grpc_is_published_to_the_state_topic_and_decides_from_the_view() {
        Identifier subject = Identifier.newBuilder().setNamespace("user_id").setValue("u-" + UUID.randomUUID()).build();
        String key = "user_id:" + subject.getValue();
        ManagedChannel channel = TestChannels.open();
        try {
            var stub = TestChannels.stub(channel, "consent.write", "consent.read");
            Decision before = decide(stub, subject);
            assertFalse(before.getAllowed(), "EU analytics is opt-in: denied until granted");
            assertEquals(ConsentReason.CONSENT_REASON_DEFAULT, before.getReason());

            RecordConsentResponse recorded = stub.recordConsent(RecordConsentRequest.newBuilder()
                    .addRecords(record(subject, ConsentStatus.CONSENT_STATUS_GRANTED)).build());
            assertEquals(1, recorded.getRecordIdsCount());
            String recordId = recorded.getRecordIds(0);

            var published = TopicReader.read("cairn.consent.state.v1", r -> key.equals(new String(r.key())), 1,
                    Duration.ofSeconds(20));
            assertEquals(1, published.size(), "the derived state is on the compacted topic, keyed namespace:value");
            ConsentState state = parse(published.get(0).value());
            assertEquals(subject, state.getSubject());
            assertEquals("analytics", state.getPurposes(0).getPurpose());
            assertEquals(ConsentStatus.CONSENT_STATUS_GRANTED, state.getPurposes(0).getStatus());
            assertEquals(recordId, state.getPurposes(0).getRecordId());

            Decision after = decide(stub, subject);
            assertTrue(after.getAllowed());
            assertEquals(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE, after.getReason());
            assertEquals(recordId, after.getRecordId());
            assertEquals("EU", after.getJurisdiction());
            assertFalse(after.getPolicyVersion().isEmpty());

            String withdrawalId = stub.recordConsent(RecordConsentRequest.newBuilder()
                    .addRecords(record(subject, ConsentStatus.CONSENT_STATUS_WITHDRAWN)).build()).getRecordIds(0);
            Decision withdrawn = decide(stub, subject);
            assertFalse(withdrawn.getAllowed(), "the later withdrawal wins");
            assertEquals(withdrawalId, withdrawn.getRecordId());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void readiness_reports_the_consent_view_caught_up_with_the_state_topic() {
        int management = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.management.test-port", Integer.class);
        String body = io.restassured.RestAssured.get("http://127.0.0.1:" + management + "/q/health/ready").then()
                .statusCode(200).extract().asString();
        assertTrue(body.contains("\"consent-view\"") && body.contains("\"caughtUp\": true"), body);
    }

    private static ConsentRecordInput record(Identifier subject, ConsentStatus status) {
        return ConsentRecordInput.newBuilder().setSubject(subject).setPurpose("analytics").setJurisdiction("EU")
                .setStatus(status).setSource("web_cmp").build();
    }

    private static Decision decide(dev.cairn.proto.consent.v1.ConsentServiceGrpc.ConsentServiceBlockingStub stub,
            Identifier subject) {
        return stub.decide(DecideRequest.newBuilder().addQueries(DecisionQuery.newBuilder().setSubject(subject)
                .setPurpose("analytics").setJurisdiction("EU")).build()).getDecisions(0);
    }

    static ConsentState parse(byte[] value) {
        try {
            return ConsentState.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

}
