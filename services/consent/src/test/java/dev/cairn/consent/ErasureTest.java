package dev.cairn.consent;

import static dev.cairn.consent.ConsentRecordingTest.awaitTrue;
import static dev.cairn.consent.ConsentRecordingTest.id;
import static dev.cairn.consent.ConsentRecordingTest.rec;
import static dev.cairn.consent.ConsentRecordingTest.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc.ConsentServiceBlockingStub;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.ErasureStep;
import dev.cairn.proto.consent.v1.ErasureStepKind;
import dev.cairn.proto.consent.v1.ErasureStepStatus;
import dev.cairn.proto.consent.v1.ExportSubjectRequest;
import dev.cairn.proto.consent.v1.GetConsentHistoryRequest;
import dev.cairn.proto.consent.v1.GetErasureRequestRequest;
import dev.cairn.proto.consent.v1.GetErasureRequestResponse;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.consent.v1.RequestErasureRequest;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.ErasureRequested;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.events.v1.SubjectSuppressed;
import dev.cairn.testsupport.TopicReader;

/**
 * Erasure with identity and segments unreachable (as in this module's tests): their steps must report FAILED with
 * the reason, never a fake DONE, while suppression, tombstones and the sink notice still protect the subject.
 */
@QuarkusTest
class ErasureTest {

    private ManagedChannel channel;
    private ConsentServiceBlockingStub stub;

    @BeforeEach
    void open() {
        channel = TestChannels.open();
        stub = TestChannels.stub(channel, "consent.write", "consent.read", "consent.privacy");
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    @Test
    void erasure_tracks_each_step_suppresses_tombstones_and_notifies_and_reports_unreachable_services_as_failed()
            throws Exception {
        Identifier user = id("user_id", "u-" + UUID.randomUUID());
        Identifier anon = id("anonymous_id", "a-" + UUID.randomUUID());
        String profile = "p-" + UUID.randomUUID();
        TestKafka.send("cairn.identity.changes.v1", profile, ConsentRecordingTest.change(System.nanoTime(),
                IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, profile, List.of(), user, anon).toByteArray());
        stub.recordConsent(RecordConsentRequest.newBuilder()
                .addRecords(rec(anon, "analytics", "US-CA", ConsentStatus.CONSENT_STATUS_GRANTED, ts(Instant.now())))
                .build());
        awaitTrue(() -> decide(user).getReason() == ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE);

        String requestId = stub.requestErasure(RequestErasureRequest.newBuilder().setSubject(user)
                .setReason("ticket GDPR-17").setClientRequestId("gdpr-17-" + user.getValue()).build()).getRequestId();
        assertEquals(requestId, stub.requestErasure(RequestErasureRequest.newBuilder().setSubject(user)
                .setReason("ticket GDPR-17").setClientRequestId("gdpr-17-" + user.getValue()).build()).getRequestId(),
                "a retry with the same client_request_id returns the existing request");

        awaitTrue(() -> get(requestId).getStatus() != ErasureStepStatus.ERASURE_STEP_STATUS_PENDING);
        GetErasureRequestResponse request = get(requestId);
        assertEquals("test-client", request.getRequestedBy());
        assertEquals("ticket GDPR-17", request.getReason());
        Map<ErasureStepKind, ErasureStep> steps = request.getStepsList().stream()
                .collect(Collectors.toMap(ErasureStep::getKind, s -> s));
        assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_FAILED, request.getStatus());
        ErasureStep identity = steps.get(ErasureStepKind.ERASURE_STEP_KIND_IDENTITY);
        assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_FAILED, identity.getStatus());
        assertTrue(identity.getDetail().startsWith("UNAVAILABLE"), identity.getDetail());
        assertEquals(3, identity.getAttempts(), "a transient failure is retried before it is reported");
        assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_FAILED,
                steps.get(ErasureStepKind.ERASURE_STEP_KIND_SEGMENTS).getStatus());
        for (ErasureStepKind done : List.of(ErasureStepKind.ERASURE_STEP_KIND_INGEST_SUPPRESSION,
                ErasureStepKind.ERASURE_STEP_KIND_TOPIC_TOMBSTONES, ErasureStepKind.ERASURE_STEP_KIND_SINK_NOTICE)) {
            assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_DONE, steps.get(done).getStatus(),
                    done + ": " + steps.get(done).getDetail());
        }

        for (Identifier i : List.of(user, anon)) {
            assertFalse(decide(i).getAllowed());
            assertEquals(ConsentReason.CONSENT_REASON_ERASED, decide(i).getReason());
            assertEquals(0, stub.getConsentHistory(GetConsentHistoryRequest.newBuilder().setSubject(i).build())
                    .getRecordsCount(), "the ledger holds nothing of the subject");
        }
        String secret = "dev-only-suppression-key-change-me";
        List<String> hashes = List.of(SubjectKeys.suppressionHash("user_id:" + user.getValue(), secret),
                SubjectKeys.suppressionHash("anonymous_id:" + anon.getValue(), secret));
        var suppressed = TopicReader.read("cairn.privacy.suppression.v1",
                r -> hashes.contains(new String(r.key())), 2, Duration.ofSeconds(20));
        assertEquals(2, suppressed.size());
        assertEquals(requestId, SubjectSuppressed.parseFrom(suppressed.get(0).value()).getRequestId());
        assertFalse(new String(suppressed.get(0).value()).contains(user.getValue()), "keyed hashes only");

        var tombstones = TopicReader.read("cairn.consent.state.v1",
                r -> ("user_id:" + user.getValue()).equals(new String(r.key())) && r.value() == null, 1,
                Duration.ofSeconds(20));
        assertEquals(1, tombstones.size());
        assertNull(tombstones.get(0).value());

        var notices = TopicReader.read("cairn.privacy.erasure.v1", r -> requestId.equals(new String(r.key())), 1,
                Duration.ofSeconds(20));
        ErasureRequested notice = ErasureRequested.parseFrom(notices.get(0).value());
        assertTrue(notice.getIdentifiersList().containsAll(List.of(user, anon)));
        assertEquals(List.of(profile), notice.getProfileIdsList());
    }

    @Test
    void an_unknown_erasure_request_is_not_found_and_a_bad_one_names_its_fields() {
        StatusRuntimeException notFound = assertThrows(StatusRuntimeException.class,
                () -> get(UUID.randomUUID().toString()));
        assertEquals(Status.Code.NOT_FOUND, notFound.getStatus().getCode());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
                () -> stub.requestErasure(RequestErasureRequest.getDefaultInstance()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertEquals(java.util.Set.of("subject.namespace", "subject.value", "reason"),
                ConsentRecordingTest.violations(bad));
    }

    @Test
    void export_fails_unavailable_rather_than_leaving_out_what_an_unreachable_service_holds() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.exportSubject(
                ExportSubjectRequest.newBuilder().setSubject(id("user_id", "u-" + UUID.randomUUID())).build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("identity"), e.getStatus().getDescription());
    }

    private GetErasureRequestResponse get(String requestId) {
        return stub.getErasureRequest(GetErasureRequestRequest.newBuilder().setRequestId(requestId).build());
    }

    private dev.cairn.proto.consent.v1.Decision decide(Identifier subject) {
        return stub.decide(DecideRequest.newBuilder().addQueries(DecisionQuery.newBuilder().setSubject(subject)
                .setPurpose("analytics").setJurisdiction("US-CA")).build()).getDecisions(0);
    }
}
