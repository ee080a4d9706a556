package dev.cairn.ingest.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.google.protobuf.Timestamp;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;

import dev.cairn.platform.grpc.BackpressureException;
import dev.cairn.platform.grpc.DependencyUnavailableException;
import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.events.v1.ConsentDecisionTrace;
import dev.cairn.proto.events.v1.ConsentSignal;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentifierLinks;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.QuarantinedEvent;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;

/**
 * The ingest pipeline, for every transport: envelope and contract checks, dedup, identifier links (before the
 * gate), consent gate and PII policy per destination, quarantine, and one Kafka transaction per request.
 * An event is answered ACCEPTED only after that transaction committed; if it fails, nothing of the request
 * is visible and every event is answered RETRY, so a retry never duplicates.
 */
public final class EventIngestor {

    public static final String RAW_TOPIC = "cairn.events.raw.v1";
    public static final String GOVERNED_TOPIC = "cairn.events.governed.v1";
    public static final String QUARANTINE_TOPIC = "cairn.events.quarantine.v1";
    public static final String LINKS_TOPIC = "cairn.identity.links.v1";
    public static final String SIGNALS_TOPIC = "cairn.consent.signals.v1";

    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    static final int MAX_VIOLATIONS = 50;
    static final int MAX_VIOLATION_MESSAGE = 500;

    private final SourceRegistry sources;
    private final TrackingPlan plan;
    private final PiiPolicy pii;
    private final ConsentGate gate;
    private static final Logger LOG = Logger.getLogger(EventIngestor.class);
    private final Deduplicator dedup;
    private final TransactionalPublisher publisher;
    private final RateLimits rateLimits;
    private final IngestMetrics metrics;
    private final IngestConfig config;
    private final RecentLinks recentLinks;

    public EventIngestor(SourceRegistry sources, TrackingPlan plan, PiiPolicy pii, ConsentGate gate, Deduplicator dedup,
            RecentLinks recentLinks, TransactionalPublisher publisher, RateLimits rateLimits, IngestMetrics metrics,
            IngestConfig config) {
        this.sources = sources;
        this.plan = plan;
        this.pii = pii;
        this.gate = gate;
        this.dedup = dedup;
        this.publisher = publisher;
        this.rateLimits = rateLimits;
        this.metrics = metrics;
        this.config = config;
        this.recentLinks = recentLinks;
        if (config.maxNestingDepth() < 1 || config.maxNestingDepth() > EnvelopeCheck.MAX_READABLE_DEPTH) {
            throw new IllegalArgumentException("cairn.ingest.max-nesting-depth is " + config.maxNestingDepth()
                    + "; it must be 1 to " + EnvelopeCheck.MAX_READABLE_DEPTH
                    + " (deeper events cannot be parsed back by the consumers)");
        }
    }

    /** What the pipeline decided for one item before publishing. */
    private static final class Item {
        final int index;
        final IngestItem in;
        final String messageId;
        EventOutcome outcome;
        String reason = "";
        List<Violation> violations = List.of();
        List<TransactionalPublisher.Record> records = List.of();
        List<String> suppressed = List.of();

        Item(int index, IngestItem in, String messageId) {
            this.index = index;
            this.in = in;
            this.messageId = messageId;
        }
    }

    public Uni<List<EventResult>> ingest(IngestRequest request) {
        long started = System.nanoTime();
        return pipeline(request).onItemOrFailure().invoke((results, failure) -> metrics.ackLatency(request.transport())
                .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    private Uni<List<EventResult>> pipeline(IngestRequest request) {
        Source source = validate(request);
        // The caller's trace continues on every record of the request (W3C traceparent in Kafka headers).
        Map<String, String> traceHeaders = new java.util.HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.current(), traceHeaders, Map::put);
        if (!rateLimits.tryAcquire(source, request.items().size())) {
            metrics.rateLimited(source.id(), request.items().size());
            throw new BackpressureException("source " + source.id() + " is over its rate limit of "
                    + source.rateLimitPerSecond() + " events/s", RETRY_AFTER);
        }
        Instant receivedAt = Instant.now();
        List<Item> items = new ArrayList<>();
        Set<String> seenInRequest = new HashSet<>();
        for (int i = 0; i < request.items().size(); i++) {
            IngestItem in = request.items().get(i);
            // A messageId that cannot be stored (control characters, too long, ...) is replaced as a missing one
            // is: the event is quarantined for it, and its quarantine record needs a key every reader can use.
            String sent = in.event().getMessageId();
            String messageId = sent.isBlank() || !EnvelopeCheck.storableMessageId(sent)
                    ? UUID.randomUUID().toString()
                    : sent;
            Item item = new Item(i, in, messageId);
            items.add(item);
            metrics.received(source.id(), in.original().size());
            check(item, source, receivedAt, request);
            if (item.outcome == null && !seenInRequest.add(messageId)) {
                item.outcome = EventOutcome.EVENT_OUTCOME_DUPLICATE;
                item.reason = "the same messageId appears earlier in this request";
            }
        }
        List<Item> candidates = items.stream().filter(it -> it.outcome == null).toList();
        String token = UUID.randomUUID().toString();
        List<String> ids = candidates.stream().map(it -> it.messageId).toList();
        return dedup.reserve(source.id(), ids, token).flatMap(claims -> {
            try {
                return routeAndPublish(items, candidates, claims, source, receivedAt, request, traceHeaders, token);
            } catch (RuntimeException bug) {
                // Whatever failed while routing, nothing was published: release every reservation now, or the
                // client's retries are answered RETRY ("in flight") until the reservations expire.
                List<String> claimed = new ArrayList<>();
                for (int i = 0; i < candidates.size(); i++) {
                    if (claims.get(i) == Deduplicator.Claim.NEW) {
                        claimed.add(candidates.get(i).messageId);
                    }
                }
                return dedup.release(source.id(), claimed, token).onFailure().recoverWithNull()
                        .chain(() -> Uni.createFrom().failure(bug));
            }
        });
    }

    private Uni<List<EventResult>> routeAndPublish(List<Item> items, List<Item> candidates,
            List<Deduplicator.Claim> claims, Source source, Instant receivedAt, IngestRequest request,
            Map<String, String> traceHeaders, String token) {
        List<String> reserved = new ArrayList<>();
        List<String> unstored = new ArrayList<>();
        Set<RecentLinks.Key> linksInRequest = new HashSet<>();
        for (int i = 0; i < candidates.size(); i++) {
            Item item = candidates.get(i);
            switch (claims.get(i)) {
                case DUPLICATE -> {
                    item.outcome = EventOutcome.EVENT_OUTCOME_DUPLICATE;
                    item.reason = "already stored within the dedup window";
                }
                case IN_FLIGHT -> {
                    item.outcome = EventOutcome.EVENT_OUTCOME_RETRY;
                    item.reason = "the same messageId is being stored by another request; retry";
                }
                case NEW -> {
                    route(item, source, receivedAt, request, linksInRequest);
                    // route() quarantines an event too large for Kafka; a quarantined event is never recorded.
                    (item.outcome == EventOutcome.EVENT_OUTCOME_QUARANTINED ? unstored : reserved)
                            .add(item.messageId);
                }
            }
        }
        Uni<Void> released = unstored.isEmpty()
                ? Uni.createFrom().voidItem()
                : dedup.release(source.id(), unstored, token).onFailure().recoverWithNull();
        List<TransactionalPublisher.Record> records = new ArrayList<>();
        items.forEach(
                it -> it.records.forEach(r -> records.add(new TransactionalPublisher.Record(r.topic(), r.key(),
                        r.value(), traceHeaders))));
        return released.flatMap(ignored -> publisher.publish(records))
                .invoke(done -> recentLinks.published(linksInRequest))
                .flatMap(done -> dedup.confirm(source.id(), reserved, token)
                        // The events are stored, so they are answered ACCEPTED whatever happens to the mark. Left
                        // unmarked, they would stay in flight until the reservation expired and a client's retry
                        // after that would be stored twice (seen under load in faults-postgres-restart): the mark is
                        // retried in the background for as long as the reservation lasts.
                        .onFailure().invoke(failure -> confirmInBackground(source.id(), reserved, token, failure))
                        .onFailure().recoverWithNull().replaceWith(results(items, source, false, true)))
                .onFailure()
                .recoverWithUni(failure -> (failure instanceof TransactionalPublisher.CommitOutcomeUnknownException
                        // The events may be stored: they stay in flight, so a retry is answered RETRY until the
                        // reservation expires instead of storing them a second time now.
                        ? Uni.createFrom().voidItem()
                        : dedup.release(source.id(), reserved, token))
                        .onFailure().recoverWithNull()
                        .replaceWith(() -> {
                            metrics.publishFailed(source.id());
                            return results(items, source, true, true);
                        }));
    }

    /** Keeps confirming stored events whose first confirmation failed, while their reservation lasts. */
    private void confirmInBackground(String source, List<String> messageIds, String token, Throwable first) {
        metrics.dedupConfirm(source, "retried");
        dedup.confirmWhileReserved(source, messageIds, token).subscribe().with(
                done -> metrics.dedupConfirm(source, "recovered"),
                failure -> {
                    metrics.dedupConfirm(source, "expired");
                    LOG.errorf("%d stored events of source %s could not be marked done in dedup before their "
                            + "reservation expired (first: %s; last: %s): a client retry of them will be stored again",
                            messageIds.size(), source, first.getMessage(), failure.getMessage());
                });
    }

    /**
     * A dry run: the envelope and contract checks of {@link #ingest} under the current contracts, publishing
     * nothing and reserving nothing. Events that would pass are answered ACCEPTED with a "dry run" reason.
     */
    public List<EventResult> check(IngestRequest request) {
        Source source = validate(request);
        Instant receivedAt = Instant.now();
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < request.items().size(); i++) {
            IngestItem in = request.items().get(i);
            Item item = new Item(i, in, in.event().getMessageId());
            check(item, source, receivedAt, request);
            if (item.outcome == null) {
                item.outcome = EventOutcome.EVENT_OUTCOME_ACCEPTED;
                item.reason = "dry run: passes the current contracts (dedup and consent not evaluated)";
            }
            items.add(item);
        }
        return results(items, source, false, false);
    }

    /**
     * Refuses, PERMISSION_DENIED, a known source the caller is not granted; an unknown or blank one is left to the
     * request checks (INVALID_ARGUMENT), which name no source the caller could not already see in contracts/.
     */
    public void authorize(String sourceId, SourceGrants grants) {
        sources.find(sourceId).ifPresent(grants::require);
    }

    /** Refuses a caller not granted every source (an operator's job over all of them). */
    public void authorizeEvery(SourceGrants grants) {
        grants.requireEvery(sources.all());
    }

    private Source validate(IngestRequest request) {
        // Before anything else of the request is looked at: a caller learns nothing about a request it may not make.
        authorize(request.sourceId(), request.grants());
        List<FieldViolation> problems = new ArrayList<>();
        Optional<Source> source = sources.find(request.sourceId());
        if (request.sourceId().isBlank()) {
            problems.add(new FieldViolation("source_id", "required: the source the events come from"));
        } else if (source.isEmpty()) {
            // Quoted only in part: the answer travels in gRPC trailers, which clients cap at a few KB.
            String quoted = request.sourceId().length() <= 64
                    ? request.sourceId()
                    : request.sourceId().substring(0, 64) + "...";
            problems.add(new FieldViolation("source_id", "unknown source '" + quoted
                    + "'; sources are declared in contracts/ingest/sources.yaml"));
        }
        if (request.items().isEmpty()) {
            problems.add(new FieldViolation("events", "at least one event is required"));
        }
        if (request.items().size() > config.maxEventsPerRequest()) {
            problems.add(new FieldViolation("events", request.items().size() + " events; at most "
                    + config.maxEventsPerRequest() + " per request"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return source.get();
    }

    /** Envelope, transport and contract checks; sets a quarantine outcome or leaves the item open. */
    private void check(Item item, Source source, Instant receivedAt, IngestRequest request) {
        if (!item.in.violations().isEmpty()) {
            quarantine(item, source, receivedAt, item.in.violations(), request.transport());
            return;
        }
        EventInput e = item.in.event();
        if (item.in.original().size() > config.maxEventBytes()) {
            quarantine(item, source, receivedAt, List.of(Violation.newBuilder()
                    .setType(ViolationType.VIOLATION_TYPE_SIZE).setJsonPath("$")
                    .setMessage("event is " + item.in.original().size() + " bytes; at most " + config.maxEventBytes())
                    .build()), request.transport());
            return;
        }
        List<Violation> envelope = EnvelopeCheck.check(e, request.sentAt(), receivedAt, config.maxNestingDepth());
        if (!envelope.isEmpty()) {
            quarantine(item, source, receivedAt, envelope, request.transport());
            return;
        }
        boolean erased;
        try {
            erased = gate.erased(Identifiers.of(e));
        } catch (DependencyUnavailableException notYetKnown) {
            // The consent view has not caught up since start: its "nothing recorded" may be a withdrawal or an
            // erasure it has not read yet. Nothing is stored or reserved, so the client's retry is safe. Once it
            // has caught up it never falls back, so the gate in route() always has an answer.
            item.outcome = EventOutcome.EVENT_OUTCOME_RETRY;
            item.reason = "not stored: " + notYetKnown.getMessage();
            return;
        }
        if (erased) {
            // Before the contract check: nothing of an erased subject is kept, not even raw or in quarantine, so
            // neither a replay nor a re-drive can bring them back. Counted, answered, never silent.
            item.outcome = EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_ERASURE;
            item.reason = "the subject was erased; its events are no longer accepted";
            return;
        }
        List<Violation> contract = new ArrayList<>(plan.check(e, requestedVersion(e)));
        contract.addAll(EnvelopeCheck.timing(eventTime(e, request.sentAt(), receivedAt), receivedAt,
                config.futureTolerance()));
        contract.forEach(v -> metrics.violation(source.id(), v.getType()));
        contract = bounded(contract);
        if (!contract.isEmpty() && source.blockOnViolation()) {
            quarantine(item, source, receivedAt, contract, request.transport());
            return;
        }
        item.violations = contract;
    }

    private void quarantine(Item item, Source source, Instant receivedAt, List<Violation> violations,
            String transport) {
        List<Violation> kept = bounded(violations);
        item.outcome = EventOutcome.EVENT_OUTCOME_QUARANTINED;
        item.violations = kept;
        item.reason = kept.get(0).getJsonPath() + ": " + kept.get(0).getMessage();
        QuarantinedEvent.Builder q = QuarantinedEvent.newBuilder().setPayload(item.in.original())
                .setContentType(item.in.contentType()).setSourceId(source.id()).setMessageId(item.messageId)
                .setReceivedAt(timestamp(receivedAt)).setQuarantinedAt(timestamp(Instant.now()))
                .addAllViolations(kept).setTrackingPlanVersion(plan.version()).setTransport(transport);
        int over = q.build().getSerializedSize() - TransactionalPublisher.MAX_RECORD_BYTES;
        if (over > 0) {
            // Only a gRPC event can be this large (HTTP requests stop at 500 KB): keep what fits, say so, and let
            // the record through. A record over the producer's limit would abort the whole request's transaction,
            // and every retry of it, forever.
            int original = item.in.original().size();
            int keep = Math.max(0, original - over - 200);
            q.setPayload(item.in.original().substring(0, keep)).addViolations(Violation.newBuilder()
                    .setType(ViolationType.VIOLATION_TYPE_SIZE).setJsonPath("$")
                    .setMessage("the original is " + original + " bytes; its first " + keep
                            + " are kept here (a Kafka record holds at most " + TransactionalPublisher.MAX_RECORD_BYTES
                            + ")"));
        }
        // One record per event, keyed so a re-drive finds it; never a whole batch.
        item.records = List.of(new TransactionalPublisher.Record(QUARANTINE_TOPIC, source.id() + ":" + item.messageId,
                q.build().toByteArray()));
    }

    /**
     * Violations as answered and stored: at most {@link #MAX_VIOLATIONS}, each message at most
     * {@link #MAX_VIOLATION_MESSAGE} characters. Messages may quote what the client sent, and a schema can find a
     * violation per property: unbounded, a small event could make a record or an answer larger than any limit.
     */
    static List<Violation> bounded(List<Violation> violations) {
        List<Violation> kept = new ArrayList<>(Math.min(violations.size(), MAX_VIOLATIONS + 1));
        for (Violation v : violations.subList(0, Math.min(violations.size(), MAX_VIOLATIONS))) {
            kept.add(v.getMessage().length() <= MAX_VIOLATION_MESSAGE
                    ? v
                    : v.toBuilder().setMessage(v.getMessage().substring(0, MAX_VIOLATION_MESSAGE) + "...").build());
        }
        if (violations.size() > MAX_VIOLATIONS) {
            kept.add(Violation.newBuilder().setType(violations.get(MAX_VIOLATIONS).getType()).setJsonPath("$")
                    .setMessage((violations.size() - MAX_VIOLATIONS) + " more violations are not listed").build());
        }
        return kept;
    }

    /**
     * Builds the records of an accepted event: raw, links (unless this instance published the same identifier set
     * recently or earlier in the request: {@link RecentLinks}), consent signals, and every destination it may reach.
     */
    private void route(Item item, Source source, Instant receivedAt, IngestRequest request,
            Set<RecentLinks.Key> linksInRequest) {
        EventInput e = item.in.event();
        Instant eventTime = eventTime(e, request.sentAt(), receivedAt);
        Event.Builder event = Event.newBuilder().setMessageId(item.messageId).setType(e.getType())
                .setEvent(e.getEvent())
                .setName(e.getName()).setUserId(e.getUserId()).setAnonymousId(e.getAnonymousId())
                .setGroupId(e.getGroupId()).setPreviousId(e.getPreviousId()).setProperties(e.getProperties())
                .setTraits(e.getTraits()).setContext(e.getContext()).setIntegrations(e.getIntegrations())
                .setTimestamp(timestamp(eventTime)).setReceivedAt(timestamp(receivedAt)).setSourceId(source.id())
                .setTrackingPlanVersion(plan.version()).addAllViolations(item.violations);
        if (e.hasTimestamp()) {
            event.setOriginalTimestamp(e.getTimestamp());
        }
        request.sentAt().ifPresent(s -> event.setSentAt(timestamp(s)));
        plan.schemaRef(e.getEvent(), requestedVersion(e)).ifPresent(event::setSchemaRef);
        String key = !e.getUserId().isBlank() ? e.getUserId() : e.getAnonymousId();
        List<Identifier> identifiers = Identifiers.of(e);
        List<TransactionalPublisher.Record> records = new ArrayList<>();
        records.add(new TransactionalPublisher.Record(RAW_TOPIC, key, event.build().toByteArray()));
        boolean linkable = identifiers.size() >= 2;
        RecentLinks.Key links = linkable ? recentLinks.key(identifiers) : null;
        boolean linksKnown = links != null && (linksInRequest.contains(links) || recentLinks.recentlyPublished(links));
        if (linkable && !linksKnown) {
            records.add(new TransactionalPublisher.Record(LINKS_TOPIC, key, IdentifierLinks.newBuilder()
                    .setSourceId(source.id()).setMessageId(item.messageId).setEventTime(timestamp(eventTime))
                    .setReceivedAt(timestamp(receivedAt)).addAllIdentifiers(identifiers).build().toByteArray()));
        }
        consentSignal(e, item.messageId, source, identifiers, eventTime, request.globalPrivacyControl())
                .ifPresent(s -> records.add(new TransactionalPublisher.Record(SIGNALS_TOPIC, key, s.toByteArray())));
        String fallbackJurisdiction = jurisdiction(e).orElse(source.defaultJurisdiction());
        List<ConsentDecisionTrace> traces = new ArrayList<>();
        List<String> suppressed = new ArrayList<>();
        for (Destination d : pii.destinations()) {
            ConsentDecisionTrace trace = gate.decide(identifiers, d, fallbackJurisdiction);
            traces.add(trace);
            if (!trace.getForwarded()) {
                suppressed.add(d.name());
                metrics.suppressed(source.id(), d.name());
            }
        }
        event.addAllConsentDecisions(traces);
        Event governed = event.build();
        for (Destination d : pii.destinations()) {
            if (!suppressed.contains(d.name())) {
                records.add(new TransactionalPublisher.Record(d.topic(), key, pii.apply(governed, d).toByteArray()));
            }
        }
        for (TransactionalPublisher.Record r : records) {
            if (r.value().length > TransactionalPublisher.MAX_RECORD_BYTES) {
                // Its violations and consent traces can make an event within max-event-bytes larger on Kafka than
                // a record may be; it would abort the transaction of every event of the request.
                quarantine(item, source, receivedAt, List.of(Violation.newBuilder()
                        .setType(ViolationType.VIOLATION_TYPE_SIZE).setJsonPath("$")
                        .setMessage("the event would be " + r.value().length + " bytes on " + r.topic()
                                + "; a Kafka record holds at most " + TransactionalPublisher.MAX_RECORD_BYTES)
                        .build()), request.transport());
                return;
            }
        }
        item.records = records;
        item.suppressed = suppressed;
        if (linkable) {
            metrics.links(source.id(), !linksKnown);
            if (links != null && !linksKnown) {
                linksInRequest.add(links);
            }
        }
        boolean governedSuppressed = pii.destinations().stream()
                .anyMatch(d -> d.topic().equals(GOVERNED_TOPIC) && suppressed.contains(d.name()));
        item.outcome = governedSuppressed
                ? EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_CONSENT
                : EventOutcome.EVENT_OUTCOME_ACCEPTED;
        item.reason = governedSuppressed ? "consent does not allow the governed stream; stored raw only" : "";
    }

    private List<EventResult> results(List<Item> items, Source source, boolean publishFailed, boolean count) {
        List<EventResult> results = new ArrayList<>(items.size());
        for (Item item : items) {
            EventOutcome outcome = item.outcome;
            String reason = item.reason;
            if (publishFailed && outcome != EventOutcome.EVENT_OUTCOME_DUPLICATE) {
                outcome = EventOutcome.EVENT_OUTCOME_RETRY;
                reason = "Kafka did not confirm that the request was stored; retry (it is safe: a retry is never stored twice)";
            }
            if (!publishFailed && count) {
                metrics.outcome(source.id(), outcome, item.in.event());
            }
            EventResult.Builder r = EventResult.newBuilder().setIndex(item.index).setMessageId(item.messageId)
                    .setOutcome(outcome).addAllViolations(item.violations).setReason(reason)
                    .addAllSuppressedDestinations(item.suppressed);
            if (outcome == EventOutcome.EVENT_OUTCOME_RETRY) {
                r.setRetryAfter(com.google.protobuf.Duration.newBuilder().setSeconds(RETRY_AFTER.getSeconds()));
            }
            results.add(r.build());
        }
        return results;
    }

    /**
     * Segment's clock-skew correction: the client's clock may be wrong, but the gap between its event time and
     * its send time is right, so timestamp = receivedAt − (sentAt − originalTimestamp). Without sentAt the
     * client's time stands; without any, the receive time. Late and out-of-order events keep their event time.
     */
    static Instant eventTime(EventInput e, Optional<Instant> sentAt, Instant receivedAt) {
        if (!e.hasTimestamp()) {
            return receivedAt;
        }
        Instant original = Instant.ofEpochSecond(e.getTimestamp().getSeconds(), e.getTimestamp().getNanos());
        return sentAt.map(sent -> receivedAt.minus(Duration.between(original, sent))).orElse(original);
    }

    private static Optional<Integer> requestedVersion(EventInput e) {
        Value protocols = e.getContext().getFieldsMap().get("protocols");
        if (protocols != null && protocols.hasMapValue()) {
            Value v = protocols.getMapValue().getFieldsMap().get("event_version");
            if (v != null && v.hasIntValue()) {
                return Optional.of((int) v.getIntValue());
            }
        }
        return Optional.empty();
    }

    private static Optional<String> jurisdiction(EventInput e) {
        Value j = e.getContext().getFieldsMap().get("jurisdiction");
        return j != null && j.hasStringValue() && !j.getStringValue().isBlank()
                ? Optional.of(j.getStringValue())
                : Optional.empty();
    }

    /** Consent choices an event carries (Segment's context.consent.categoryPreferences, Sec-GPC), for consent. */
    private static Optional<ConsentSignal> consentSignal(EventInput e, String messageId, Source source,
            List<Identifier> identifiers, Instant eventTime, boolean gpc) {
        Value consent = e.getContext().getFieldsMap().get("consent");
        MapValue prefs = MapValue.getDefaultInstance();
        if (consent != null && consent.hasMapValue()) {
            Value p = consent.getMapValue().getFieldsMap().get("categoryPreferences");
            if (p != null && p.hasMapValue()) {
                prefs = p.getMapValue();
            }
        }
        if (prefs.getFieldsCount() == 0 && !gpc) {
            return Optional.empty();
        }
        ConsentSignal.Builder s = ConsentSignal.newBuilder().setSourceId(source.id()).setMessageId(messageId)
                .addAllIdentifiers(identifiers).setOccurredAt(timestamp(eventTime)).setGlobalPrivacyControl(gpc);
        prefs.getFieldsMap().forEach((category, allowed) -> {
            if (allowed.hasBoolValue()) {
                s.putCategoryPreferences(category, allowed.getBoolValue());
            }
        });
        jurisdiction(e).ifPresent(s::setJurisdictionHint);
        return Optional.of(s.build());
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
