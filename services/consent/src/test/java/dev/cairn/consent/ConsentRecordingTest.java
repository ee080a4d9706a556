package dev.cairn.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.rpc.BadRequest;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc.ConsentServiceBlockingStub;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.Decision;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.GetConsentHistoryRequest;
import dev.cairn.proto.consent.v1.GetConsentHistoryResponse;
import dev.cairn.proto.consent.v1.GetConsentStateRequest;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentSignal;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.events.v1.PurposeSignal;
import dev.cairn.testsupport.TopicReader;

@QuarkusTest
class ConsentRecordingTest {

    private ManagedChannel channel;
    private ConsentServiceBlockingStub stub;

    @BeforeEach
    void open() {
        channel = TestChannels.open();
        stub = TestChannels.stub(channel, "consent.write", "consent.read");
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    @Test
    void a_batch_with_an_unknown_purpose_or_jurisdiction_an_empty_subject_or_a_conflict_is_refused_whole() {
        Identifier good = id("user_id", "u-" + UUID.randomUUID());
        Timestamp t = ts(Instant.parse("2026-01-01T10:00:00Z"));
        RecordConsentRequest request = RecordConsentRequest.newBuilder()
                .addRecords(rec(good, "analytics", "EU", ConsentStatus.CONSENT_STATUS_GRANTED, t))
                .addRecords(rec(good, "telepathy", "EU", ConsentStatus.CONSENT_STATUS_GRANTED, t))
                .addRecords(rec(good, "sms", "Atlantis", ConsentStatus.CONSENT_STATUS_GRANTED, t))
                .addRecords(rec(Identifier.getDefaultInstance(), "sms", "EU", ConsentStatus.CONSENT_STATUS_GRANTED, t))
                .addRecords(rec(good, "analytics", "EU", ConsentStatus.CONSENT_STATUS_WITHDRAWN, t))
                .build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.recordConsent(request));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        Set<String> fields = violations(e);
        assertEquals(Set.of("records[1].purpose", "records[2].jurisdiction", "records[3].subject.namespace",
                "records[3].subject.value", "records[4]"), fields);

        GetConsentHistoryResponse history = stub.getConsentHistory(
                GetConsentHistoryRequest.newBuilder().setSubject(good).build());
        assertEquals(0, history.getRecordsCount(), "nothing of the refused batch was written");
        assertEquals(ConsentReason.CONSENT_REASON_DEFAULT, decide(good, "analytics", "EU").getReason());
    }

    @Test
    void history_is_newest_first_paged_and_state_shows_the_latest_choice_per_purpose() {
        Identifier subject = id("email", "Someone-" + UUID.randomUUID() + "@Example.com");
        Instant t0 = Instant.parse("2026-02-01T00:00:00Z");
        List<String> ids = stub.recordConsent(RecordConsentRequest.newBuilder()
                .addRecords(rec(subject, "marketing_email", "", ConsentStatus.CONSENT_STATUS_GRANTED, ts(t0)))
                .addRecords(rec(subject, "marketing_email", "", ConsentStatus.CONSENT_STATUS_WITHDRAWN,
                        ts(t0.plusSeconds(60))))
                .addRecords(rec(subject, "sms", "UK", ConsentStatus.CONSENT_STATUS_GRANTED, ts(t0.plusSeconds(30))))
                .build()).getRecordIdsList();
        GetConsentHistoryResponse page1 = stub.getConsentHistory(
                GetConsentHistoryRequest.newBuilder().setSubject(subject).setPageSize(2).build());
        assertEquals(List.of(ids.get(1), ids.get(2)),
                page1.getRecordsList().stream().map(r -> r.getRecordId()).toList());
        assertEquals("default", page1.getRecords(0).getJurisdiction(), "an empty jurisdiction is the policy default");
        assertEquals("test-client", page1.getRecords(0).getRecordedBy(), "who recorded it: the caller's token subject");
        GetConsentHistoryResponse page2 = stub.getConsentHistory(GetConsentHistoryRequest.newBuilder()
                .setSubject(subject).setPageSize(2).setPageToken(page1.getNextPageToken()).build());
        assertEquals(List.of(ids.get(0)), page2.getRecordsList().stream().map(r -> r.getRecordId()).toList());

        ConsentState state = stub.getConsentState(GetConsentStateRequest.newBuilder()
                .setSubject(id("email", subject.getValue().toLowerCase())).build()).getState();
        assertEquals(2, state.getPurposesCount());
        assertEquals(ConsentStatus.CONSENT_STATUS_WITHDRAWN, state.getPurposes(0).getStatus(), "marketing_email");
        assertEquals(ids.get(1), state.getPurposes(0).getRecordId());
        assertEquals("sms", state.getPurposes(1).getPurpose());
    }

    @Test
    void a_retried_record_with_the_same_client_record_id_is_recorded_once() {
        Identifier subject = id("user_id", "u-" + UUID.randomUUID());
        ConsentRecordInput r = rec(subject, "analytics", "EU", ConsentStatus.CONSENT_STATUS_GRANTED,
                ts(Instant.now())).toBuilder().setClientRecordId("cmp-1").build();
        String first = stub.recordConsent(RecordConsentRequest.newBuilder().addRecords(r).build()).getRecordIds(0);
        String again = stub.recordConsent(RecordConsentRequest.newBuilder().addRecords(r).build()).getRecordIds(0);
        assertEquals(first, again);
        assertEquals(1, stub.getConsentHistory(GetConsentHistoryRequest.newBuilder().setSubject(subject).build())
                .getRecordsCount());
    }

    @Test
    void consent_signals_from_ingest_are_recorded_with_categories_mapped_and_gpc_honoured_where_the_jurisdiction_says() {
        Identifier user = id("user_id", "u-" + UUID.randomUUID());
        Identifier anon = id("anonymous_id", "a-" + UUID.randomUUID());
        ConsentSignal signal = ConsentSignal.newBuilder().setSourceId("web").setMessageId("m-" + UUID.randomUUID())
                .addIdentifiers(user).addIdentifiers(anon).setOccurredAt(ts(Instant.now()))
                .putCategoryPreferences("Analytics", true).putCategoryPreferences("Advertising", true)
                .setGlobalPrivacyControl(true).setJurisdictionHint("US-CA").build();
        TestKafka.send("cairn.consent.signals.v1", "user_id:" + user.getValue(), signal.toByteArray());

        awaitTrue(() -> decide(anon, "analytics", "US-CA").getReason() == ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE);
        assertTrue(decide(user, "analytics", "US-CA").getAllowed());
        Decision ads = decide(user, "advertising", "US-CA");
        assertFalse(ads.getAllowed(),
                "Sec-GPC is an opt-out of sale/advertising in California, over the category grant");
        assertEquals(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE, ads.getReason());
        var history = stub.getConsentHistory(GetConsentHistoryRequest.newBuilder().setSubject(user).build());
        assertTrue(history.getRecords(0).getRecordedBy().startsWith("ingest:web/"));

        ConsentSignal pure = ConsentSignal.newBuilder().setSourceId("web").setMessageId("m-" + UUID.randomUUID())
                .addIdentifiers(id("anonymous_id", "eu-" + UUID.randomUUID())).setOccurredAt(ts(Instant.now()))
                .addPurposes(PurposeSignal.newBuilder().setPurpose("personalization")
                        .setStatus(ConsentStatus.CONSENT_STATUS_GRANTED))
                .setGlobalPrivacyControl(true).setJurisdictionHint("EU").build();
        TestKafka.send("cairn.consent.signals.v1", "x", pure.toByteArray());
        Identifier euSubject = pure.getIdentifiers(0);
        awaitTrue(() -> decide(euSubject, "personalization", "EU").getAllowed());
        assertEquals(ConsentReason.CONSENT_REASON_DEFAULT, decide(euSubject, "advertising", "EU").getReason(),
                "GPC records nothing where the jurisdiction gives it no meaning");
    }

    @Test
    void a_withdrawal_made_while_anonymous_still_holds_after_login_and_merge_and_a_split_separates_them_again() {
        Identifier anon = id("anonymous_id", "a-" + UUID.randomUUID());
        Identifier user = id("user_id", "u-" + UUID.randomUUID());
        Instant t0 = Instant.now().minusSeconds(600);
        stub.recordConsent(RecordConsentRequest.newBuilder()
                .addRecords(rec(user, "personalization", "EU", ConsentStatus.CONSENT_STATUS_GRANTED, ts(t0))).build());
        stub.recordConsent(RecordConsentRequest.newBuilder().addRecords(
                rec(anon, "personalization", "EU", ConsentStatus.CONSENT_STATUS_WITHDRAWN, ts(t0.plusSeconds(60))))
                .build());
        assertTrue(decide(user, "personalization", "EU").getAllowed(), "not linked yet");

        String p1 = "p-" + UUID.randomUUID();
        String p2 = "p-" + UUID.randomUUID();
        long seq = System.nanoTime();
        TestKafka.send("cairn.identity.changes.v1", p1, change(seq, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, p1,
                List.of(), user).toByteArray());
        TestKafka.send("cairn.identity.changes.v1", p2, change(seq + 1, IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED,
                p2, List.of(), anon).toByteArray());
        TestKafka.send("cairn.identity.changes.v1", p1, change(seq + 2, IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED,
                p1, List.of(p2), anon).toByteArray());

        awaitTrue(() -> !decide(user, "personalization", "EU").getAllowed());
        Decision d = decide(user, "personalization", "EU");
        assertEquals(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE, d.getReason());
        assertEquals(anon, d.getDecidedBy(), "the anonymous withdrawal decided for the logged-in user");
        String userKey = "user_id:" + user.getValue();
        var states = TopicReader.read("cairn.consent.state.v1", r -> userKey.equals(new String(r.key()))
                && parse(r.value()).getProfileId().equals(p1) && parse(r.value()).getPurposes(0)
                        .getStatus() == ConsentStatus.CONSENT_STATUS_WITHDRAWN,
                1, Duration.ofSeconds(20));
        assertFalse(states.isEmpty(), "the merged profile's state was republished for the user_id");

        // identity splits the anonymous id off again (say, an operator's unmerge): each side is back to its
        // own choices, and the states are republished.
        String p3 = "p-" + UUID.randomUUID();
        TestKafka.send("cairn.identity.changes.v1", p1, change(seq + 3, IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT,
                p1, List.of(), anon).toBuilder().addSplitProfileIds(p3).build().toByteArray());
        awaitTrue(() -> decide(user, "personalization", "EU").getAllowed());
        Decision afterSplit = decide(user, "personalization", "EU");
        assertEquals(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE, afterSplit.getReason());
        assertEquals(user, afterSplit.getDecidedBy(), "the user's own grant decides again");
        assertFalse(decide(anon, "personalization", "EU").getAllowed(), "the anonymous id keeps its withdrawal");
        var republished = TopicReader.read("cairn.consent.state.v1", r -> userKey.equals(new String(r.key()))
                && parse(r.value()).getPurposes(0).getStatus() == ConsentStatus.CONSENT_STATUS_GRANTED
                && parse(r.value()).getStateVersion() > parse(states.get(0).value()).getStateVersion(),
                1, Duration.ofSeconds(20));
        assertFalse(republished.isEmpty(), "the user's state after the split was published for ingest and segments");
    }

    static IdentityChange change(long seq, IdentityChangeKind kind, String profile, List<String> absorbed,
            Identifier... ids) {
        return IdentityChange.newBuilder().setSequence(seq).setKind(kind).setProfileId(profile)
                .addAllAbsorbedProfileIds(absorbed).addAllIdentifiers(List.of(ids)).build();
    }

    private Decision decide(Identifier subject, String purpose, String jurisdiction) {
        return stub.decide(DecideRequest.newBuilder().addQueries(DecisionQuery.newBuilder().setSubject(subject)
                .setPurpose(purpose).setJurisdiction(jurisdiction)).build()).getDecisions(0);
    }

    static void awaitTrue(BooleanSupplier condition) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(condition::getAsBoolean);
    }

    static Set<String> violations(StatusRuntimeException e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        return status.getDetailsList().stream().filter(a -> a.is(BadRequest.class)).flatMap(a -> {
            try {
                return a.unpack(BadRequest.class).getFieldViolationsList().stream();
            } catch (InvalidProtocolBufferException x) {
                throw new AssertionError(x);
            }
        }).map(BadRequest.FieldViolation::getField).collect(Collectors.toSet());
    }

    static Identifier id(String ns, String value) {
        return Identifier.newBuilder().setNamespace(ns).setValue(value).build();
    }

    static Timestamp ts(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static ConsentRecordInput rec(Identifier s, String purpose, String jurisdiction, ConsentStatus status,
            Timestamp t) {
        return ConsentRecordInput.newBuilder().setSubject(s).setPurpose(purpose).setJurisdiction(jurisdiction)
                .setStatus(status).setSource("test").setOccurredAt(t).build();
    }

    static ConsentState parse(byte[] value) {
        try {
            return ConsentState.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
