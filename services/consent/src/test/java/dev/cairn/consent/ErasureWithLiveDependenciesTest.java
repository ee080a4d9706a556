package dev.cairn.consent;

import static dev.cairn.consent.ConsentRecordingTest.awaitTrue;
import static dev.cairn.consent.ConsentRecordingTest.id;
import static dev.cairn.consent.ConsentRecordingTest.rec;
import static dev.cairn.consent.ConsentRecordingTest.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.ErasureStep;
import dev.cairn.proto.consent.v1.ErasureStepStatus;
import dev.cairn.proto.consent.v1.ExportSubjectRequest;
import dev.cairn.proto.consent.v1.ExportSubjectResponse;
import dev.cairn.proto.consent.v1.GetErasureRequestRequest;
import dev.cairn.proto.consent.v1.GetErasureRequestResponse;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.consent.v1.RequestErasureRequest;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;

/** With identity and segments answering, export is complete and an erasure finishes with every step DONE. */
@QuarkusTest
@TestProfile(LiveDependencies.class)
class ErasureWithLiveDependenciesTest {

    @Test
    void export_then_erase_shows_every_step_done_and_leaves_nothing_to_decide_or_export() {
        Identifier user = id("user_id", "u-" + UUID.randomUUID());
        ManagedChannel channel = TestChannels.open();
        try {
            var stub = TestChannels.stub(channel, "consent.write", "consent.read", "consent.privacy");
            String recordId = stub.recordConsent(RecordConsentRequest.newBuilder()
                    .addRecords(rec(user, "sms", "UK", ConsentStatus.CONSENT_STATUS_GRANTED, ts(Instant.now())))
                    .build())
                    .getRecordIds(0);

            ExportSubjectResponse export = stub
                    .exportSubject(ExportSubjectRequest.newBuilder().setSubject(user).build());
            assertEquals(LiveDependencies.PROFILE, export.getProfileId());
            assertEquals(List.of(user), export.getIdentifiersList());
            assertEquals(recordId, export.getConsentHistory(0).getRecordId());
            assertEquals("vip", export.getMemberships(0).getSegmentId());
            assertEquals("pro", export.getTraits().getFieldsOrThrow("plan").getStringValue());

            String requestId = stub.requestErasure(RequestErasureRequest.newBuilder().setSubject(user)
                    .setReason("DSAR 42").build()).getRequestId();
            awaitTrue(() -> get(stub, requestId).getStatus() != ErasureStepStatus.ERASURE_STEP_STATUS_PENDING);
            GetErasureRequestResponse request = get(stub, requestId);
            assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_DONE, request.getStatus(), request.toString());
            assertEquals(5, request.getStepsCount());
            for (ErasureStep step : request.getStepsList()) {
                assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_DONE, step.getStatus(), step.toString());
                assertEquals(1, step.getAttempts());
            }
            assertTrue(request.hasCompletedAt());
            assertEquals(requestId, LiveDependencies.ERASED_SUBJECTS.get(0).getErasureRequestId());
            assertEquals(List.of(LiveDependencies.PROFILE),
                    LiveDependencies.ERASED_PROFILES.get(0).getProfileIdsList());
            assertFalse(LiveDependencies.AUTHORIZATION.isEmpty());
            for (String authorization : LiveDependencies.AUTHORIZATION) {
                assertTrue(authorization.startsWith("Bearer "), "every call carries a bearer token: " + authorization);
                String claims = new String(Base64.getUrlDecoder().decode(authorization.split("\\.")[1]),
                        StandardCharsets.UTF_8);
                assertTrue(claims.contains("\"azp\":\"cairn-consent\""),
                        "issued by Keycloak to consent's own client: " + claims);
                assertTrue(claims.contains("identity.erase") && claims.contains("segments.erase"), claims);
                assertTrue(claims.matches("(?s).*\"aud\":(\"cairn\"|\\[[^]]*\"cairn\"[^]]*]).*"),
                        "for the audience identity and segments require (quarkus.oidc.token.audience): " + claims);
            }
            assertEquals(1, LiveDependencies.AUTHORIZATION.stream().distinct().count(),
                    "one token, fetched once and reused from the cache");

            var decision = stub.decide(DecideRequest.newBuilder().addQueries(
                    DecisionQuery.newBuilder().setSubject(user).setPurpose("sms").setJurisdiction("UK")).build())
                    .getDecisions(0);
            assertEquals(ConsentReason.CONSENT_REASON_ERASED, decision.getReason());
            assertEquals(0, stub.exportSubject(ExportSubjectRequest.newBuilder().setSubject(user).build())
                    .getConsentHistoryCount(), "consent's ledger holds nothing of the subject any more");
        } finally {
            channel.shutdownNow();
        }
    }

    private static GetErasureRequestResponse get(
            dev.cairn.proto.consent.v1.ConsentServiceGrpc.ConsentServiceBlockingStub stub,
            String id) {
        return stub.getErasureRequest(GetErasureRequestRequest.newBuilder().setRequestId(id).build());
    }
}
