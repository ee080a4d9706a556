package dev.cairn.bench.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.google.protobuf.Timestamp;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import dev.cairn.bench.consent.ConsentContracts;
import dev.cairn.bench.support.Grpc;
import dev.cairn.bench.support.TopicWindow;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc.ConsentServiceBlockingStub;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.Decision;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.ErasureStep;
import dev.cairn.proto.consent.v1.ErasureStepKind;
import dev.cairn.proto.consent.v1.ErasureStepStatus;
import dev.cairn.proto.consent.v1.ExportSubjectRequest;
import dev.cairn.proto.consent.v1.ExportSubjectResponse;
import dev.cairn.proto.consent.v1.GetConsentHistoryRequest;
import dev.cairn.proto.consent.v1.GetErasureRequestRequest;
import dev.cairn.proto.consent.v1.GetErasureRequestResponse;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.consent.v1.RequestErasureRequest;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentifierLinks;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.ingest.v1.ReplayRawRequest;
import dev.cairn.proto.ingest.v1.ReplayRawResponse;
import dev.cairn.proto.ingest.v1.TimeRange;
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.ListMembershipsResponse;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;

/**
 * Issue 5's erasure guarantee end to end, through the running stack: fresh subjects with several identifiers
 * send events through ingest (identity links them, segments computes a membership and traits) and record
 * consent; once identity resolves them and segments lists a membership (and an export finds all of it, so that
 * "finds nothing" later is not vacuous), consent's RequestErasure runs, named by a different identifier for each
 * subject, and is polled until every step is DONE. Then, for every identifier: identity resolves nothing,
 * consent decides ERASED and has no history, segments has no membership or trait (by identifier and by the
 * erased profile id), the export finds nothing; the subject's raw events (read back from the raw topic, same
 * messageIds and payloads) sent again are SUPPRESSED_BY_ERASURE, a raw replay of their time range suppresses
 * them, and nothing of the subject appears on the raw, links, governed or destination topics afterwards. A
 * correctness check, not a speed figure: every failed assertion is an error.
 */
public final class ErasureEndToEnd implements Scenario {

    static final String RAW_TOPIC = "cairn.events.raw.v1";
    static final String LINKS_TOPIC = "cairn.identity.links.v1";
    private static final List<String> NAMED_BY = List.of("user_id", "email", "anonymous_id");

    @Override
    public String name() {
        return "erasure-e2e";
    }

    /** A synthetic subject, its identifiers, and what the run learned about it. */
    static final class Subject {
        final String userId;
        final String anonymousId;
        final String email;
        final String namedBy;
        final List<String> messageIds = new ArrayList<>();
        String profileId = "";
        String requestId = "";

        Subject(String prefix, int i) {
            userId = prefix + "-s" + i;
            anonymousId = userId + "-anon";
            email = userId + "@e2e.cairn.dev";
            namedBy = NAMED_BY.get(i % NAMED_BY.size());
        }

        List<Identifier> identifiers() {
            return List.of(ConsentEndToEnd.identifier("user_id", userId),
                    ConsentEndToEnd.identifier("anonymous_id", anonymousId),
                    ConsentEndToEnd.identifier("email", email));
        }

        Identifier named() {
            return identifiers().stream().filter(i -> i.getNamespace().equals(namedBy)).findFirst().orElseThrow();
        }

        Set<String> values() {
            return Set.of(userId, anonymousId, email);
        }
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        String prefix = "e2e-er-" + ctx.runId.toLowerCase();
        ConsentContracts contracts = ConsentContracts.load(ctx.root);
        List<String> topics = new ArrayList<>(List.of(RAW_TOPIC, LINKS_TOPIC));
        contracts.destinations().forEach(d -> topics.add(d.topic()));
        Duration readyMax = p.duration("ready_max");
        Duration erasureMax = p.duration("erasure_max");
        Duration settleMax = p.duration("settle_max");
        String segment = p.string("segment");
        String trait = p.string("trait");
        List<Subject> subjects = new ArrayList<>();
        for (int i = 0; i < p.integer("subjects"); i++) {
            subjects.add(new Subject(prefix, i));
        }
        r.figures.put("subjects", subjects.size());
        r.figures.put("identity_links_backlog_before", Baselines.identityLinksBacklog(ctx));
        Grpc.Pool ingest = ctx.pool("ingest", 1);
        Grpc.Pool consentPool = ctx.pool("consent", 1);
        Grpc.Pool identity = ctx.pool("identity", 1);
        Grpc.Pool segments = ctx.pool("segments", 1);
        try (TopicWindow window = TopicWindow.open(ctx.kafka(), topics)) {
            // 1. The subjects' lives: events through ingest, choices through consent.
            for (Subject s : subjects) {
                IngestBatchRequest.Builder batch = IngestBatchRequest.newBuilder().setSourceId("backend");
                for (EventInput e : life(s)) {
                    batch.addEvents(e);
                    s.messageIds.add(e.getMessageId());
                }
                for (EventResult res : IngestServiceGrpc.newBlockingStub(ingest.next())
                        .withDeadlineAfter(30, TimeUnit.SECONDS).ingestBatch(batch.build()).getResultsList()) {
                    if (res.getOutcome() != EventOutcome.EVENT_OUTCOME_ACCEPTED) {
                        r.errors.add(s.userId + ": event " + res.getMessageId() + " answered " + res.getOutcome()
                                + " " + res.getReason());
                    }
                }
                consent(consentPool).recordConsent(RecordConsentRequest.newBuilder()
                        .addRecords(choice(ConsentEndToEnd.identifier("email", s.email), "marketing_email",
                                ConsentStatus.CONSENT_STATUS_GRANTED))
                        .addRecords(choice(ConsentEndToEnd.identifier("anonymous_id", s.anonymousId), "advertising",
                                ConsentStatus.CONSENT_STATUS_WITHDRAWN))
                        .build());
            }
            // 2. Wait until identity links them, then until segments holds a membership and a trait of the profile.
            long readyStart = System.nanoTime();
            for (Subject s : subjects) {
                try {
                    BenchContext.firstAnswer(() -> linked(identity, s), readyMax, null);
                } catch (java.io.IOException e) {
                    r.errors.add(s.userId + ": identity did not resolve every identifier to one profile within "
                            + readyMax + ": " + e.getMessage());
                }
            }
            r.figures.put("identity_linked_seconds", RequestResponse.round((System.nanoTime() - readyStart) / 1e9));
            for (Subject s : subjects) {
                try {
                    BenchContext.firstAnswer(() -> inSegments(segments, s, segment, trait), readyMax, null);
                } catch (java.io.IOException e) {
                    r.errors.add(s.userId + ": segments did not list " + segment + " and trait " + trait
                            + " of profile '" + s.profileId + "' within " + readyMax + ": " + e.getMessage());
                }
            }
            r.figures.put("segments_ready_seconds", RequestResponse.round((System.nanoTime() - readyStart) / 1e9));
            for (Subject s : subjects) {
                // The checks that must find nothing after the erasure find the subject now, or they prove nothing.
                String found = String.join("\n", leftovers(consentPool, identity, segments, contracts, s));
                for (String kind : List.of("identity resolves", "consent decides", "consent history",
                        "segments lists", "segments has", "export of")) {
                    if (!found.contains(kind)) {
                        r.errors.add(s.userId + ": vacuous: before the erasure no check found '" + kind + " ...'");
                    }
                }
                ExportSubjectResponse before = consent(consentPool)
                        .exportSubject(ExportSubjectRequest.newBuilder().setSubject(s.named()).build());
                if (before.getProfileId().isEmpty() || before.getIdentifiersCount() < 3
                        || before.getConsentHistoryCount() < 2 || before.getMembershipsCount() < 1
                        || before.getTraits().getFieldsCount() < 1) {
                    r.errors.add(s.userId + ": vacuous: the export before erasure should find the profile, 3"
                            + " identifiers, 2 consent records, a membership and traits; found " + summary(before));
                }
            }
            // 3. The subjects' events as the raw topic holds them: what a replay would read.
            Map<String, Event> raw = new LinkedHashMap<>();
            for (ConsumerRecord<String, byte[]> rec : window.read(Duration.ofSeconds(60)).get(RAW_TOPIC)) {
                Event e = Event.parseFrom(rec.value());
                if (e.getMessageId().startsWith(prefix + "-")) {
                    raw.put(e.getMessageId(), e);
                }
            }
            int expected = subjects.stream().mapToInt(s -> s.messageIds.size()).sum();
            if (raw.size() != expected) {
                r.errors.add("the raw topic holds " + raw.size() + " of the subjects' " + expected + " events");
            }
            r.figures.put("raw_events", raw.size());

            // 4. Erase, each subject named by a different identifier; every step must be DONE.
            Map<String, Object> erasures = new LinkedHashMap<>();
            for (Subject s : subjects) {
                long started = System.nanoTime();
                s.requestId = consent(consentPool).requestErasure(RequestErasureRequest.newBuilder()
                        .setSubject(s.named()).setReason("load-tests erasure-e2e " + ctx.runId)
                        .setClientRequestId(s.userId).build()).getRequestId();
                GetErasureRequestResponse req = awaitErasure(consentPool, s.requestId, erasureMax);
                erasures.put(s.userId, Map.of("named_by", s.namedBy, "status", req.getStatus().name(), "seconds",
                        RequestResponse.round((System.nanoTime() - started) / 1e9), "steps", steps(req)));
                checkSteps(r, s, req, erasureMax);
            }
            r.figures.put("erasures", erasures);
            window.restart();

            // 5. Nothing of the subjects is found anywhere.
            long settleStart = System.nanoTime();
            Map<String, List<String>> rightAfter = new LinkedHashMap<>();
            for (Subject s : subjects) {
                List<String> first = leftovers(consentPool, identity, segments, contracts, s);
                if (!first.isEmpty()) {
                    rightAfter.put(s.userId, first);
                }
                List<String> left = first.isEmpty()
                        ? first
                        : awaitNothing(settleMax, () -> leftovers(consentPool, identity, segments, contracts, s));
                left.forEach(l -> r.errors.add(s.userId + " after erasure: " + l));
            }
            // Segments erases asynchronously (a command through its Streams topology), so a membership may still
            // show for a moment after DONE; what the first look found is kept for orientation.
            r.figures.put("found_right_after_done", rightAfter);
            r.figures.put("found_nothing_after_seconds",
                    RequestResponse.round((System.nanoTime() - settleStart) / 1e9));

            // 6. The raw events again, same messageIds and payloads: every one suppressed by the erasure.
            Map<String, Integer> resent = new LinkedHashMap<>();
            if (!raw.isEmpty()) {
                IngestBatchRequest.Builder again = IngestBatchRequest.newBuilder().setSourceId("backend");
                raw.values().forEach(e -> again.addEvents(input(e)));
                for (EventResult res : IngestServiceGrpc.newBlockingStub(ingest.next())
                        .withDeadlineAfter(30, TimeUnit.SECONDS).ingestBatch(again.build()).getResultsList()) {
                    resent.merge(res.getOutcome().name(), 1, Integer::sum);
                    if (res.getOutcome() != EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_ERASURE) {
                        r.errors.add("resent raw event " + res.getMessageId() + " answered " + res.getOutcome()
                                + " (expected SUPPRESSED_BY_ERASURE) " + res.getReason());
                    }
                }
                // ... and a raw replay of their time range (other events of the range are DUPLICATEs).
                long first = raw.values().stream().mapToLong(e -> millis(e.getReceivedAt())).min().orElseThrow();
                long last = raw.values().stream().mapToLong(e -> millis(e.getReceivedAt())).max().orElseThrow();
                ReplayRawResponse replay = IngestServiceGrpc.newBlockingStub(ingest.next())
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .replayRaw(ReplayRawRequest.newBuilder().setSourceId("backend")
                                .setReceived(TimeRange.newBuilder().setStart(ConsentEndToEnd.timestamp(first - 1000))
                                        .setEnd(ConsentEndToEnd.timestamp(last + 1000)))
                                .build());
                r.figures.put("replay_raw_counts", Map.of("total", replay.getCounts().getTotal(), "accepted",
                        replay.getCounts().getAccepted(), "duplicate", replay.getCounts().getDuplicate(),
                        "suppressed_by_erasure", replay.getCounts().getSuppressedByErasure(),
                        "suppressed_by_consent", replay.getCounts().getSuppressedByConsent(), "retry",
                        replay.getCounts().getRetry()));
                if (replay.getCounts().getSuppressedByErasure() < raw.size()) {
                    r.errors.add("ReplayRaw of the subjects' time range suppressed "
                            + replay.getCounts().getSuppressedByErasure() + " events by erasure, expected at least "
                            + raw.size() + ": " + replay.getCounts());
                }
            }
            r.figures.put("resent_outcomes", resent);

            // 7. A few seconds later: still nothing, and nothing of the subjects reached a topic since the erasure.
            Thread.sleep(p.duration("after_replay").toMillis());
            for (Subject s : subjects) {
                leftovers(consentPool, identity, segments, contracts, s)
                        .forEach(l -> r.errors.add(s.userId + " after the replay: " + l));
            }
            int onTopics = 0;
            for (Map.Entry<String, List<ConsumerRecord<String, byte[]>>> e : window.read(Duration.ofSeconds(60))
                    .entrySet()) {
                for (ConsumerRecord<String, byte[]> rec : e.getValue()) {
                    String found = mentions(e.getKey(), rec, subjects, prefix);
                    if (found != null) {
                        onTopics++;
                        if (onTopics <= 10) {
                            r.errors.add("after the erasure " + e.getKey() + " received " + found);
                        }
                    }
                }
            }
            r.figures.put("records_of_erased_subjects_on_topics_after_erasure", onTopics);
        }
        r.notes.add("a correctness check: errors are failed assertions; the seconds are for orientation only");
        return r;
    }

    /** One subject's events: a login (identify with email and traits), product views, an order, a page. */
    static List<EventInput> life(Subject s) {
        String m = s.userId + "-m";
        return List.of(
                EventInput.newBuilder().setMessageId(m + "0").setType(EventType.EVENT_TYPE_IDENTIFY)
                        .setUserId(s.userId).setAnonymousId(s.anonymousId).setTimestamp(Events.now())
                        .setTraits(Events.map("email", s.email, "plan", "pro", "name", "E2E Subject")).build(),
                track(m + "1", "Product Viewed", s.userId, s.anonymousId, Events.map("sku", "SKU-1")),
                track(m + "2", "Product Viewed", s.userId, "", Events.map("sku", "SKU-2")),
                track(m + "3", "Order Completed", s.userId, "", Events.map("order_id", m + "3", "total", 120.0,
                        "currency", "EUR", "payment_method", "card")),
                EventInput.newBuilder().setMessageId(m + "4").setType(EventType.EVENT_TYPE_PAGE).setName("Pricing")
                        .setAnonymousId(s.anonymousId).setTimestamp(Events.now()).build());
    }

    private static EventInput track(String messageId, String name, String user, String anon,
            dev.cairn.proto.events.v1.MapValue properties) {
        EventInput.Builder e = EventInput.newBuilder().setMessageId(messageId).setType(EventType.EVENT_TYPE_TRACK)
                .setEvent(name).setUserId(user).setTimestamp(Events.now()).setProperties(properties);
        if (!anon.isEmpty()) {
            e.setAnonymousId(anon);
        }
        return e.build();
    }

    private static ConsentRecordInput choice(Identifier subject, String purpose, ConsentStatus status) {
        return ConsentRecordInput.newBuilder().setSubject(subject).setPurpose(purpose).setStatus(status)
                .setSource("load-tests").setOccurredAt(Events.now()).build();
    }

    private static ConsentServiceBlockingStub consent(Grpc.Pool pool) {
        return ConsentServiceGrpc.newBlockingStub(pool.next()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Identity resolves every identifier of the subject to one profile (noted as the subject's). */
    private static boolean linked(Grpc.Pool identity, Subject s) {
        Set<String> profiles = new LinkedHashSet<>();
        for (Resolution res : resolve(identity, s)) {
            if (!res.getFound()) {
                return false;
            }
            profiles.add(res.getProfileId());
        }
        if (profiles.size() != 1) {
            return false;
        }
        s.profileId = profiles.iterator().next();
        return true;
    }

    /** Segments lists the membership and holds the trait of the subject's profile. */
    private static boolean inSegments(Grpc.Pool segments, Subject s, String segment, String trait) {
        if (s.profileId.isEmpty()) {
            return false;
        }
        ProfileRef ref = ProfileRef.newBuilder().setProfileId(s.profileId).build();
        var stub = SegmentsServiceGrpc.newBlockingStub(segments.next()).withDeadlineAfter(10, TimeUnit.SECONDS);
        return stub.listMemberships(ListMembershipsRequest.newBuilder().setProfile(ref).build()).getMembershipsList()
                .stream().anyMatch(m -> m.getSegmentId().equals(segment))
                && stub.getTraits(GetTraitsRequest.newBuilder().setProfile(ref).build()).getTraits().getFieldsMap()
                        .containsKey(trait);
    }

    private static List<Resolution> resolve(Grpc.Pool identity, Subject s) {
        return IdentityServiceGrpc.newBlockingStub(identity.next()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .batchResolve(BatchResolveRequest.newBuilder().addAllIdentifiers(s.identifiers()).build())
                .getResolutionsList();
    }

    private static GetErasureRequestResponse awaitErasure(Grpc.Pool consent, String requestId, Duration max)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            GetErasureRequestResponse req = ConsentServiceGrpc.newBlockingStub(consent.next())
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getErasureRequest(GetErasureRequestRequest.newBuilder().setRequestId(requestId).build());
            if (req.getStatus() != ErasureStepStatus.ERASURE_STEP_STATUS_PENDING || System.nanoTime() > deadline) {
                return req;
            }
            Thread.sleep(250);
        }
    }

    /** The request must be DONE with every step of the proto DONE. */
    private static void checkSteps(ScenarioResult r, Subject s, GetErasureRequestResponse req, Duration max) {
        if (req.getStatus() == ErasureStepStatus.ERASURE_STEP_STATUS_PENDING) {
            r.errors.add(s.userId + ": erasure " + s.requestId + " not finished within " + max + ": " + steps(req));
        } else if (req.getStatus() != ErasureStepStatus.ERASURE_STEP_STATUS_DONE) {
            r.errors.add(s.userId + ": erasure " + s.requestId + " " + req.getStatus() + ": " + steps(req));
        }
        for (ErasureStepKind kind : ErasureStepKind.values()) {
            if (kind == ErasureStepKind.ERASURE_STEP_KIND_UNSPECIFIED || kind == ErasureStepKind.UNRECOGNIZED) {
                continue;
            }
            boolean done = req.getStepsList().stream()
                    .anyMatch(
                            st -> st.getKind() == kind && st.getStatus() == ErasureStepStatus.ERASURE_STEP_STATUS_DONE);
            if (!done) {
                r.errors.add(s.userId + ": erasure step " + kind + " is not DONE: " + steps(req));
            }
        }
    }

    private static List<String> steps(GetErasureRequestResponse req) {
        List<String> out = new ArrayList<>();
        for (ErasureStep st : req.getStepsList()) {
            out.add(st.getKind().name().replace("ERASURE_STEP_KIND_", "") + " "
                    + st.getStatus().name().replace("ERASURE_STEP_STATUS_", "") + " (" + st.getAttempts() + "): "
                    + st.getDetail());
        }
        return out;
    }

    /** Polls until nothing is left (an empty list) or the bound passes; returns what was still found then. */
    private static List<String> awaitNothing(Duration max, java.util.concurrent.Callable<List<String>> check)
            throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            List<String> left = check.call();
            if (left.isEmpty() || System.nanoTime() > deadline) {
                return left;
            }
            Thread.sleep(250);
        }
    }

    /** Everything the services still hold of the subject; empty when they hold nothing. */
    private static List<String> leftovers(Grpc.Pool consentPool, Grpc.Pool identity, Grpc.Pool segments,
            ConsentContracts contracts, Subject s) {
        List<String> left = new ArrayList<>();
        for (Resolution res : resolve(identity, s)) {
            if (res.getFound()) {
                left.add("identity resolves " + id(res.getIdentifier()) + " to " + res.getProfileId());
            }
        }
        DecideRequest.Builder decide = DecideRequest.newBuilder();
        for (Identifier i : s.identifiers()) {
            for (String purpose : contracts.servedPurposes()) {
                decide.addQueries(DecisionQuery.newBuilder().setSubject(i).setPurpose(purpose));
            }
        }
        List<DecisionQuery> queries = decide.getQueriesList();
        List<Decision> decisions = consent(consentPool).decide(decide.build()).getDecisionsList();
        for (int i = 0; i < decisions.size(); i++) {
            Decision d = decisions.get(i);
            if (d.getAllowed() || d.getReason() != ConsentReason.CONSENT_REASON_ERASED) {
                left.add("consent decides " + queries.get(i).getPurpose() + " for " + id(queries.get(i).getSubject())
                        + " " + (d.getAllowed() ? "allowed " : "denied ") + d.getReason()
                        + " (expected denied ERASED)");
            }
        }
        for (Identifier i : s.identifiers()) {
            int history = consent(consentPool).getConsentHistory(GetConsentHistoryRequest.newBuilder().setSubject(i)
                    .build()).getRecordsCount();
            if (history > 0) {
                left.add("consent history of " + id(i) + " has " + history + " records");
            }
            ListMembershipsResponse byId = memberships(segments, ProfileRef.newBuilder().setIdentifier(i).build());
            if (byId.getMembershipsCount() > 0) {
                left.add("segments lists " + byId.getMembershipsCount() + " memberships for " + id(i));
            }
            if (!s.profileId.isEmpty() && byId.getProfileId().equals(s.profileId)) {
                left.add("segments still maps " + id(i) + " to the erased profile " + s.profileId);
            }
            int traits = traits(segments, ProfileRef.newBuilder().setIdentifier(i).build());
            if (traits > 0) {
                left.add("segments has " + traits + " traits for " + id(i));
            }
            ExportSubjectResponse export = consent(consentPool)
                    .exportSubject(ExportSubjectRequest.newBuilder().setSubject(i).build());
            boolean onlyItself = export.getIdentifiersList().stream()
                    .allMatch(x -> x.getNamespace().equals(i.getNamespace()) && x.getValue().equals(i.getValue()));
            if (!export.getProfileId().isEmpty() || !onlyItself || export.getConsentHistoryCount() > 0
                    || export.getMembershipsCount() > 0 || export.getTraits().getFieldsCount() > 0) {
                left.add("export of " + id(i) + " finds " + summary(export));
            }
        }
        if (!s.profileId.isEmpty()) {
            ProfileRef ref = ProfileRef.newBuilder().setProfileId(s.profileId).build();
            int members = memberships(segments, ref).getMembershipsCount();
            if (members > 0) {
                left.add("segments lists " + members + " memberships of the erased profile " + s.profileId);
            }
            int traits = traits(segments, ref);
            if (traits > 0) {
                left.add("segments has " + traits + " traits of the erased profile " + s.profileId);
            }
        }
        return left;
    }

    /** Memberships; NOT_FOUND (an identifier no one knows) is none. */
    private static ListMembershipsResponse memberships(Grpc.Pool segments, ProfileRef ref) {
        try {
            return SegmentsServiceGrpc.newBlockingStub(segments.next()).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listMemberships(ListMembershipsRequest.newBuilder().setProfile(ref).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return ListMembershipsResponse.getDefaultInstance();
            }
            throw e;
        }
    }

    private static int traits(Grpc.Pool segments, ProfileRef ref) {
        try {
            return SegmentsServiceGrpc.newBlockingStub(segments.next()).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getTraits(GetTraitsRequest.newBuilder().setProfile(ref).build()).getTraits().getFieldsCount();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return 0;
            }
            throw e;
        }
    }

    private static String summary(ExportSubjectResponse e) {
        return "profile '" + e.getProfileId() + "', " + e.getIdentifiersCount() + " identifiers, "
                + e.getConsentHistoryCount() + " consent records, " + e.getMembershipsCount() + " memberships, "
                + e.getTraits().getFieldsCount() + " traits";
    }

    private static long millis(Timestamp t) {
        return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
    }

    private static String id(Identifier i) {
        return i.getNamespace() + ":" + i.getValue();
    }

    /** A raw event as an SDK would send it again: its messageId, call, identifiers, payload and time. */
    static EventInput input(Event e) {
        return EventInput.newBuilder().setMessageId(e.getMessageId()).setType(e.getType()).setEvent(e.getEvent())
                .setName(e.getName()).setUserId(e.getUserId()).setAnonymousId(e.getAnonymousId())
                .setGroupId(e.getGroupId()).setPreviousId(e.getPreviousId()).setProperties(e.getProperties())
                .setTraits(e.getTraits()).setContext(e.getContext()).setIntegrations(e.getIntegrations())
                .setTimestamp(e.hasOriginalTimestamp() ? e.getOriginalTimestamp() : e.getTimestamp()).build();
    }

    /** What a record names of the erased subjects (a messageId or an identifier), or null. */
    private static String mentions(String topic, ConsumerRecord<String, byte[]> rec, List<Subject> subjects,
            String prefix) throws com.google.protobuf.InvalidProtocolBufferException {
        List<String> values = new ArrayList<>();
        if (rec.key() != null) {
            values.add(rec.key());
        }
        if (topic.equals(LINKS_TOPIC)) {
            IdentifierLinks links = IdentifierLinks.parseFrom(rec.value());
            values.add(links.getMessageId());
            links.getIdentifiersList().forEach(i -> values.add(i.getValue()));
        } else {
            Event e = Event.parseFrom(rec.value());
            values.add(e.getMessageId());
            values.add(e.getUserId());
            values.add(e.getAnonymousId());
        }
        for (String v : values) {
            if (v.startsWith(prefix + "-")
                    || subjects.stream().anyMatch(s -> s.values().contains(v.trim().toLowerCase()))) {
                return "a record naming " + v + " (key " + rec.key() + ", offset " + rec.partition() + "/"
                        + rec.offset() + ")";
            }
        }
        return null;
    }
}
