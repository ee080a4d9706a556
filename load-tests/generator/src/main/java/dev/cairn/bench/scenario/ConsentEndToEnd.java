package dev.cairn.bench.scenario;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

import dev.cairn.bench.consent.ConsentContracts;
import dev.cairn.bench.consent.ConsentOracle;
import dev.cairn.bench.consent.ConsentScript;
import dev.cairn.bench.consent.ConsentScript.Kind;
import dev.cairn.bench.consent.ConsentScript.Op;
import dev.cairn.bench.consent.ConsentScript.Subject;
import dev.cairn.bench.support.Grpc;
import dev.cairn.bench.support.TopicWindow;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;

/**
 * Issue 5's property end to end, through the running stack: for seeded random sequences of grants, withdrawals,
 * logins (identity links the subject's identifiers, consent follows and republishes) and events, no event whose
 * subject has withdrawn a purpose — or never granted an opt-in one — reaches a destination serving that purpose
 * once the change's propagation bound has passed. Choices go to consent (RecordConsent), events and logins
 * through ingest (IngestBatch, source backend); what reached each destination is read back from its topic
 * (contracts/ingest/destinations.yaml), by messageId, from the offsets before the run. {@link ConsentOracle}
 * says what each event should get; {@link ConsentScript} makes the sequences. A correctness check, not a speed
 * figure: a violation is an error, so CI's smoke run fails on it.
 */
public final class ConsentEndToEnd implements Scenario {

    private static final int MAX_LISTED = 10;

    @Override
    public String name() {
        return "consent-e2e";
    }

    /** An event the run sent, what the model expected of it per destination, and what ingest answered. */
    record Sent(String messageId, Op op, long sentAt, List<String> keys, Map<String, ConsentOracle.Expected> expected,
            Map<String, Boolean> judged, EventResult result) {
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        long seed = p.string("seed").equals("random")
                ? new SecureRandom().nextLong()
                : Long.parseLong(p.string("seed"));
        String replay = "load-tests/bench consent-e2e " + (ctx.smoke ? "--smoke " : "") + "seed=" + seed;
        r.figures.put("seed", seed);
        r.figures.put("replay_with", replay);
        ConsentContracts contracts = ConsentContracts.load(ctx.root);
        List<String> purposes = p.string("purposes").equals("served")
                ? contracts.servedPurposes()
                : List.of(p.string("purposes").split(","));
        List<String> jurisdictions = p.string("jurisdictions").equals("policy")
                ? contracts.jurisdictions()
                : List.of(p.string("jurisdictions").split(","));
        long recordBound = p.duration("withdrawal_bound").toMillis();
        long linkBound = p.duration("link_bound").toMillis();
        long duration = p.duration("duration").toMillis();
        String prefix = "e2e-" + ctx.runId.toLowerCase();
        ConsentScript script = ConsentScript.generate(seed, prefix, p.integer("subjects"), p.integer("operations"),
                duration, duration + Math.max(recordBound, linkBound) + 500, purposes, jurisdictions);
        r.figures.put("subjects", script.subjects.size());
        r.figures.put("purposes", purposes);
        r.figures.put("withdrawal_bound_ms", recordBound);
        r.figures.put("link_bound_ms", linkBound);
        r.figures.put("identity_links_backlog_before", Baselines.identityLinksBacklog(ctx));

        ConsentOracle oracle = new ConsentOracle(contracts, recordBound, linkBound);
        Map<String, ConsentContracts.Destination> byTopic = new LinkedHashMap<>();
        contracts.destinations().forEach(d -> byTopic.put(d.topic(), d));
        Grpc.Pool ingest = ctx.pool("ingest", 1);
        Grpc.Pool consent = ctx.pool("consent", 1);
        Grpc.Pool identity = ctx.pool("identity", 1);
        LinkWatch links = new LinkWatch(identity, oracle, script);
        List<Sent> sent = new ArrayList<>();
        Map<Integer, List<String>> history = new HashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        long occurred = System.currentTimeMillis();
        int messages = 0;
        try (TopicWindow window = TopicWindow.open(ctx.kafka(), byTopic.keySet())) {
            long start = millis();
            boolean probing = false;
            for (Op op : script.ops) {
                if (op.probe() && !probing) {
                    // The final probes judge the settled state: identity has linked every login (or gave up),
                    // and every bound has passed.
                    probing = true;
                    long giveUp = millis() + p.duration("link_wait").toMillis();
                    while (links.pending() > 0 && millis() < giveUp) {
                        links.poll();
                        Thread.sleep(200);
                    }
                    long settled = Long.MIN_VALUE;
                    for (Subject s : script.subjects) {
                        long t = oracle.settledAt(s.keys(), purposes);
                        if (t != Long.MAX_VALUE) {
                            settled = Math.max(settled, t);
                        }
                    }
                    while (millis() < settled) {
                        Thread.sleep(Math.min(200, Math.max(1, settled - millis())));
                    }
                }
                long due = start + op.atMillis();
                while (millis() < due) {
                    links.poll();
                    Thread.sleep(Math.min(200, Math.max(1, due - millis())));
                }
                links.poll();
                Subject s = script.subjects.get(op.subject());
                counts.merge(op.kind().name().toLowerCase(), 1, Integer::sum);
                long at = millis();
                String line = String.format("+%.3fs %s", (at - start) / 1000.0, op.describe());
                switch (op.kind()) {
                    case GRANT, WITHDRAW -> {
                        // Strictly increasing occurred_at: "the latest choice" is never a tie the model has to guess.
                        occurred = Math.max(System.currentTimeMillis(), occurred + 1);
                        boolean granted = op.kind() == Kind.GRANT;
                        ConsentServiceGrpc.newBlockingStub(consent.next()).withDeadlineAfter(10, TimeUnit.SECONDS)
                                .recordConsent(RecordConsentRequest.newBuilder().addRecords(ConsentRecordInput
                                        .newBuilder().setSubject(identifier(op.namespace(), s.value(op.namespace())))
                                        .setPurpose(op.purpose()).setJurisdiction(s.jurisdiction())
                                        .setStatus(granted
                                                ? ConsentStatus.CONSENT_STATUS_GRANTED
                                                : ConsentStatus.CONSENT_STATUS_WITHDRAWN)
                                        .setSource("load-tests").setOccurredAt(timestamp(occurred))).build());
                        oracle.record(s.key(op.namespace()), op.purpose(), granted, s.jurisdiction(), occurred,
                                millis());
                    }
                    case LOGIN, EVENT -> {
                        String messageId = prefix + "-m" + messages++;
                        EventInput event = op.kind() == Kind.LOGIN ? login(messageId, s) : event(messageId, s, op);
                        List<String> keys = op.kind() == Kind.LOGIN ? s.keys() : List.of(s.key(op.namespace()));
                        Map<String, ConsentOracle.Expected> expected = new LinkedHashMap<>();
                        Map<String, Boolean> judged = new LinkedHashMap<>();
                        for (ConsentContracts.Destination d : contracts.destinations()) {
                            boolean allowed = true;
                            ConsentOracle.Expected why = null;
                            for (String purpose : d.purposes()) {
                                ConsentOracle.Expected e = oracle.decide(keys, purpose, s.jurisdiction());
                                if (why == null || (allowed && !e.allowed())) {
                                    why = e;
                                }
                                allowed &= e.allowed();
                            }
                            expected.put(d.name(), why);
                            judged.put(d.name(), at >= oracle.settledAt(keys, d.purposes()));
                        }
                        EventResult result = send(ingest, event);
                        sent.add(new Sent(messageId, op, at, keys, expected, judged, result));
                        line += " " + messageId + " -> " + result.getOutcome().name().replace("EVENT_OUTCOME_", "")
                                + (result.getSuppressedDestinationsCount() > 0
                                        ? " suppressed " + result.getSuppressedDestinationsList()
                                        : "");
                        if (op.kind() == Kind.LOGIN) {
                            oracle.loginSent(keys);
                            links.loginSent(op.subject(), at);
                        }
                    }
                }
                history.computeIfAbsent(op.subject(), k -> new ArrayList<>()).add(line);
            }
            r.figures.put("run_seconds", RequestResponse.round((millis() - start) / 1000.0));
            Map<String, Set<String>> arrived = arrived(window.read(Duration.ofSeconds(60)), byTopic);
            judge(r, script, sent, arrived, history, replay);
        }
        r.figures.put("operations", counts);
        links.report(r);
        return r;
    }

    /** Destination name -> messageIds of this run's events on its topic. */
    private static Map<String, Set<String>> arrived(Map<String, List<ConsumerRecord<String, byte[]>>> records,
            Map<String, ConsentContracts.Destination> byTopic) throws InvalidProtocolBufferException {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<ConsumerRecord<String, byte[]>>> e : records.entrySet()) {
            Set<String> ids = new HashSet<>();
            for (ConsumerRecord<String, byte[]> rec : e.getValue()) {
                ids.add(Event.parseFrom(rec.value()).getMessageId());
            }
            out.put(byTopic.get(e.getKey()).name(), ids);
        }
        return out;
    }

    private static void judge(ScenarioResult r, ConsentScript script, List<Sent> sent, Map<String, Set<String>> arrived,
            Map<Integer, List<String>> history, String replay) {
        int judgedDeny = 0;
        int judgedAllow = 0;
        int allowedArrived = 0;
        int notJudged = 0;
        int violations = 0;
        int answerMismatches = 0;
        int throughLink = 0;
        List<String> allowedMissing = new ArrayList<>();
        Map<String, Map<String, Integer>> byDestination = new LinkedHashMap<>();
        for (Sent e : sent) {
            EventOutcome outcome = e.result().getOutcome();
            if (outcome != EventOutcome.EVENT_OUTCOME_ACCEPTED
                    && outcome != EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_CONSENT) {
                r.errors.add(e.messageId() + " (" + e.op().describe() + ") answered " + outcome + ": "
                        + e.result().getReason());
                continue;
            }
            for (Map.Entry<String, ConsentOracle.Expected> x : e.expected().entrySet()) {
                String destination = x.getKey();
                boolean on = arrived.getOrDefault(destination, Set.of()).contains(e.messageId());
                boolean forwardedPerIngest = !e.result().getSuppressedDestinationsList().contains(destination);
                Map<String, Integer> d = byDestination.computeIfAbsent(destination, k -> new LinkedHashMap<>());
                if (on != forwardedPerIngest) {
                    answerMismatches++;
                    if (answerMismatches <= MAX_LISTED) {
                        r.errors.add(e.messageId() + ": ingest answered "
                                + (forwardedPerIngest ? "forwarded to " : "suppressed ")
                                + destination + " but the event is " + (on ? "" : "not ") + "on its topic");
                    }
                }
                if (!e.judged().get(destination)) {
                    notJudged++;
                    d.merge("inside_a_bound", 1, Integer::sum);
                    continue;
                }
                if (x.getValue().deciding().filter(c -> !e.keys().contains(c.key())).isPresent()) {
                    // Decided by a choice on another identifier: consent had to follow identity's link.
                    throughLink++;
                }
                if (x.getValue().allowed()) {
                    judgedAllow++;
                    d.merge("judged_allow", 1, Integer::sum);
                    if (on) {
                        allowedArrived++;
                        d.merge("allowed_arrived", 1, Integer::sum);
                    } else if (allowedMissing.size() < MAX_LISTED) {
                        allowedMissing.add(e.messageId() + " " + destination + " (" + x.getValue().why() + ")");
                    }
                } else {
                    judgedDeny++;
                    d.merge("judged_deny", 1, Integer::sum);
                    if (on) {
                        violations++;
                        d.merge("violations", 1, Integer::sum);
                        if (violations <= MAX_LISTED) {
                            Subject s = script.subjects.get(e.op().subject());
                            r.errors.add("VIOLATION " + e.messageId() + " (" + e.op().describe() + ", subject "
                                    + s.userId() + ", " + s.jurisdiction() + ") reached " + destination
                                    + " although the model says deny: " + x.getValue().why() + ". History: "
                                    + String.join("; ", history.get(e.op().subject())) + ". Replay: " + replay);
                        }
                    }
                }
            }
        }
        r.figures.put("events_sent", sent.size());
        r.figures.put("events_judged_deny", judgedDeny);
        r.figures.put("events_judged_allow", judgedAllow);
        r.figures.put("allowed_arrived", allowedArrived);
        r.figures.put("allowed_missing", judgedAllow - allowedArrived);
        r.figures.put("allowed_missing_examples", allowedMissing);
        r.figures.put("judged_decided_through_a_link", throughLink);
        r.figures.put("not_judged_inside_a_bound", notJudged);
        r.figures.put("violations", violations);
        r.figures.put("ingest_answer_vs_topic_mismatches", answerMismatches);
        r.figures.put("by_destination", byDestination);
        if (violations > MAX_LISTED) {
            r.errors.add((violations - MAX_LISTED) + " more violations (see figures.by_destination)");
        }
        if (judgedDeny == 0) {
            r.errors.add("vacuous: no event was judged where the model says deny (raise subjects or operations)");
        }
        if (judgedAllow == 0 || allowedArrived == 0) {
            r.errors.add("vacuous: " + judgedAllow + " events judged allowed, " + allowedArrived
                    + " of them arrived; without allowed events arriving, a missing deny proves nothing");
        }
        if (judgedAllow > allowedArrived) {
            r.notes.add((judgedAllow - allowedArrived) + " of " + judgedAllow
                    + " (event, destination) pairs the model allows did not arrive; see allowed_missing_examples");
        }
    }

    /**
     * Watches identity for the logins' links: a login's identifiers count as linked (and the link's bound starts)
     * when identity resolves all of them to one profile, at the poll that first sees it (polls are about 200 ms
     * apart). How long that took after the login is reported; it is identity's lag, not what this check judges.
     */
    static final class LinkWatch {
        private final Grpc.Pool identity;
        private final ConsentOracle oracle;
        private final ConsentScript script;
        private final Map<Integer, Long> pending = new LinkedHashMap<>();
        private final List<Long> lagMillis = new ArrayList<>();
        private int logins;
        private long lastPoll;

        LinkWatch(Grpc.Pool identity, ConsentOracle oracle, ConsentScript script) {
            this.identity = identity;
            this.oracle = oracle;
            this.script = script;
        }

        void loginSent(int subject, long at) {
            logins++;
            pending.put(subject, at);
        }

        int pending() {
            return pending.size();
        }

        /** One BatchResolve over every pending login's identifiers, at most every 200 ms. */
        void poll() {
            if (pending.isEmpty() || millis() - lastPoll < 200) {
                return;
            }
            lastPoll = millis();
            BatchResolveRequest.Builder req = BatchResolveRequest.newBuilder();
            List<Integer> order = new ArrayList<>(pending.keySet());
            for (int index : order) {
                Subject s = script.subjects.get(index);
                s.namespaces().forEach(n -> req.addIdentifiers(identifier(n, s.value(n))));
            }
            List<Resolution> res = IdentityServiceGrpc.newBlockingStub(identity.next())
                    .withDeadlineAfter(10, TimeUnit.SECONDS).batchResolve(req.build()).getResolutionsList();
            long seen = millis();
            int i = 0;
            for (int index : order) {
                Subject s = script.subjects.get(index);
                Set<String> profiles = new HashSet<>();
                for (int n = 0; n < s.namespaces().size(); n++, i++) {
                    profiles.add(res.get(i).getFound() ? res.get(i).getProfileId() : "");
                }
                if (profiles.size() == 1 && !profiles.contains("")) {
                    oracle.link(s.keys(), seen);
                    lagMillis.add(seen - pending.remove(index));
                }
            }
        }

        void report(ScenarioResult r) {
            r.figures.put("logins", logins);
            r.figures.put("logins_linked_by_identity", lagMillis.size());
            List<Long> sorted = lagMillis.stream().sorted().toList();
            if (!sorted.isEmpty()) {
                r.figures.put("login_to_identity_linked_ms", Map.of("p50", sorted.get(sorted.size() / 2), "max",
                        sorted.get(sorted.size() - 1)));
            }
            if (logins > 0 && lagMillis.isEmpty()) {
                r.errors.add("vacuous for consent following identity: identity linked none of the " + logins
                        + " logins (is identity consuming cairn.identity.links.v1?)");
            }
            if (!pending.isEmpty()) {
                List<String> users = new ArrayList<>();
                pending.keySet().forEach(index -> users.add(script.subjects.get(index).userId()));
                r.notes.add("identity never linked " + pending.size() + " of " + logins + " logins during the run "
                        + users + ": their identifiers' events after the login were not judged");
            }
        }
    }

    /** Sends one event; a RETRY (back-pressure, nothing kept) is resent once with the same messageId. */
    private static EventResult send(Grpc.Pool ingest, EventInput event) throws InterruptedException {
        EventResult res = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            res = IngestServiceGrpc.newBlockingStub(ingest.next()).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .ingestBatch(IngestBatchRequest.newBuilder().setSourceId("backend").addEvents(event).build())
                    .getResults(0);
            if (res.getOutcome() != EventOutcome.EVENT_OUTCOME_RETRY) {
                return res;
            }
            Thread.sleep(500);
        }
        return res;
    }

    /** The login: an identify carrying every identifier of the subject, which identity links. */
    static EventInput login(String messageId, Subject s) {
        EventInput.Builder e = EventInput.newBuilder().setMessageId(messageId).setType(EventType.EVENT_TYPE_IDENTIFY)
                .setUserId(s.userId()).setAnonymousId(s.anonymousId()).setTimestamp(Events.now())
                .setContext(Events.map("jurisdiction", s.jurisdiction()));
        if (!s.email().isEmpty()) {
            e.setTraits(Events.map("email", s.email()));
        }
        return e.build();
    }

    /** A plain event keyed by one identifier only (so it links nothing), in the subject's jurisdiction. */
    static EventInput event(String messageId, Subject s, Op op) {
        EventInput.Builder e = EventInput.newBuilder().setMessageId(messageId).setType(EventType.EVENT_TYPE_TRACK)
                .setEvent("Product Viewed").setTimestamp(Events.now())
                .setProperties(Events.map("sku", "SKU-E2E", "category", "e2e", "price", 9.5))
                .setContext(Events.map("jurisdiction", s.jurisdiction()));
        if (op.namespace().equals(ConsentScript.USER_ID)) {
            e.setUserId(s.userId());
        } else {
            e.setAnonymousId(s.anonymousId());
        }
        return e.build();
    }

    static Identifier identifier(String namespace, String value) {
        return Identifier.newBuilder().setNamespace(namespace).setValue(value).build();
    }

    static Timestamp timestamp(long millis) {
        return Timestamp.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
    }

    private static long millis() {
        return System.nanoTime() / 1_000_000;
    }
}
