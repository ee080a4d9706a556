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

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;

import dev.cairn.consent.service.ErasureCoordinator;
import dev.cairn.consent.service.ErasureSweeper;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.consent.v1.AuditEntry;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc.ConsentServiceBlockingStub;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.ErasureStep;
import dev.cairn.proto.consent.v1.ErasureStepKind;
import dev.cairn.proto.consent.v1.ErasureStepStatus;
import dev.cairn.proto.consent.v1.ExportSubjectRequest;
import dev.cairn.proto.consent.v1.GetAuditTrailRequest;
import dev.cairn.proto.consent.v1.GetAuditTrailResponse;
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

    @Inject
    ErasureCoordinator coordinator;

    @Inject
    ErasureSweeper sweeper;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @ConfigProperty(name = "quarkus.datasource.username")
    String dbUser;

    @ConfigProperty(name = "quarkus.datasource.password")
    String dbPassword;

    @Test
    void an_erasure_interrupted_midway_is_resumed_from_where_it_stopped_and_a_failed_one_is_retried()
            throws Throwable {
        Identifier user = id("user_id", "r-" + UUID.randomUUID());
        String requestId = stub.requestErasure(RequestErasureRequest.newBuilder().setSubject(user)
                .setReason("ticket GDPR-99").build()).getRequestId();
        awaitTrue(() -> get(requestId).getStatus() != ErasureStepStatus.ERASURE_STEP_STATUS_PENDING);

        // As if the instance had stopped right after the suppression step, an hour ago: the last two steps never
        // ran and nothing finished the request.
        try (Connection db = DriverManager.getConnection(jdbcUrl, dbUser, dbPassword);
                Statement sql = db.createStatement()) {
            sql.executeUpdate("update erasure_request set status = 'PENDING', completed_at = null,"
                    + " claimed_at = now() - interval '1 hour' where id = '" + requestId + "'");
            sql.executeUpdate("update erasure_step set status = 'PENDING', attempts = 0, detail = ''"
                    + " where request_id = '" + requestId + "' and kind in ('TOPIC_TOMBSTONES', 'SINK_NOTICE')");
        }
        assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_PENDING, get(requestId).getStatus());
        ErasureCoordinator.PendingErasures pending = VertxContextSupport
                .subscribeAndAwait(() -> sweeper.refreshGauges());
        assertTrue(pending.count() >= 1 && pending.oldestRequestedAt().isPresent(), pending.toString());

        // A sweep whose staleness bound is now takes it on (the timer would, once the claim is 10 min old).
        List<UUID> resumed = VertxContextSupport.subscribeAndAwait(() -> coordinator.resumeStale(Instant.now()));
        assertTrue(resumed.contains(UUID.fromString(requestId)), resumed.toString());
        assertEquals(List.of(), VertxContextSupport.subscribeAndAwait(() -> coordinator.resumeStale(
                Instant.now().minusSeconds(60))), "a request just taken on is not taken on again");

        awaitTrue(() -> get(requestId).getStatus() != ErasureStepStatus.ERASURE_STEP_STATUS_PENDING);
        Map<ErasureStepKind, ErasureStep> steps = get(requestId).getStepsList().stream()
                .collect(Collectors.toMap(ErasureStep::getKind, s -> s));
        for (ErasureStepKind kind : List.of(ErasureStepKind.ERASURE_STEP_KIND_TOPIC_TOMBSTONES,
                ErasureStepKind.ERASURE_STEP_KIND_SINK_NOTICE)) {
            assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_DONE, steps.get(kind).getStatus(), kind.toString());
            assertEquals(1, steps.get(kind).getAttempts(), "the steps that never ran ran once: " + kind);
        }
        assertEquals(1, steps.get(ErasureStepKind.ERASURE_STEP_KIND_INGEST_SUPPRESSION).getAttempts(),
                "a DONE step is not repeated");
        ErasureStep identity = steps.get(ErasureStepKind.ERASURE_STEP_KIND_IDENTITY);
        assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_FAILED, identity.getStatus());
        assertEquals(6, identity.getAttempts(), "the failed step was retried (3 more attempts)");
        assertEquals(ErasureStepStatus.ERASURE_STEP_STATUS_FAILED, get(requestId).getStatus(),
                "still FAILED while identity is unreachable: it stays in the sweep's hands, visibly");
    }

    @Test
    void the_audit_trail_shows_who_changed_and_read_a_subject_newest_first_and_records_its_own_reads() {
        Identifier user = id("user_id", "t-" + UUID.randomUUID());
        stub.recordConsent(RecordConsentRequest.newBuilder()
                .addRecords(rec(user, "analytics", "EU", ConsentStatus.CONSENT_STATUS_GRANTED, ts(Instant.now())))
                .build());
        stub.getConsentHistory(GetConsentHistoryRequest.newBuilder().setSubject(user).build());
        String requestId = stub.requestErasure(RequestErasureRequest.newBuilder().setSubject(user)
                .setReason("ticket GDPR-7").build()).getRequestId();
        awaitTrue(() -> get(requestId).getStatus() != ErasureStepStatus.ERASURE_STEP_STATUS_PENDING);

        GetAuditTrailResponse trail = stub.getAuditTrail(GetAuditTrailRequest.newBuilder().setSubject(user).build());
        List<String> actions = trail.getEntriesList().stream().map(AuditEntry::getAction).toList();
        assertEquals("consent.record", actions.get(actions.size() - 1), "oldest last: " + actions);
        assertTrue(actions.indexOf("privacy.erasure.requested") < actions.indexOf("consent.history.read"),
                "newest first: " + actions);
        assertTrue(actions.contains("privacy.erasure.finished"), actions.toString());
        assertTrue(trail.getEntriesList().stream().filter(e -> !e.getAction().startsWith("privacy.erasure.step")
                && !e.getAction().equals("privacy.erasure.finished"))
                .allMatch(e -> e.getActor().equals("test-client")), "the caller is named: " + trail);
        assertFalse(trail.toString().contains(user.getValue()), "no personal value in the trail");

        // Reading it was recorded; pages follow each other without overlap.
        GetAuditTrailResponse first = stub.getAuditTrail(GetAuditTrailRequest.newBuilder().setSubject(user)
                .setPageSize(1).build());
        assertEquals("privacy.audit.read", first.getEntries(0).getAction());
        GetAuditTrailResponse second = stub.getAuditTrail(GetAuditTrailRequest.newBuilder().setSubject(user)
                .setPageSize(1).setPageToken(first.getNextPageToken()).build());
        assertEquals(trail.getEntries(0), second.getEntries(0),
                "the second page goes on where the first stopped: the newest entry before the first read");
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> stub.getAuditTrail(
                GetAuditTrailRequest.newBuilder().setSubject(user).setPageToken("??").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
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
