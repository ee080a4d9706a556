package dev.cairn.ingest.service;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;

/**
 * Ingest's metrics. Event names are a label only for events in the tracking plan, so a producer sending
 * random names cannot blow up the metric series.
 */
public final class IngestMetrics {

    private final MeterRegistry registry;
    private final TrackingPlan plan;

    public IngestMetrics(MeterRegistry registry, TrackingPlan plan) {
        this.registry = registry;
        this.plan = plan;
    }

    /** The per-event meters, looked up once per label set: a registry lookup builds and sorts tags each time. */
    private record PerSource(Counter received, DistributionSummary size, Counter linksPublished,
            Counter linksRecent) {
    }

    private record OutcomeLabels(String source, EventOutcome outcome, String event) {
    }

    private final Map<String, PerSource> perSource = new ConcurrentHashMap<>();
    private final Map<OutcomeLabels, Counter> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Timer> ackLatency = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> violations = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> suppressions = new ConcurrentHashMap<>();

    private PerSource of(String source) {
        return perSource.computeIfAbsent(source, s -> new PerSource(
                registry.counter("cairn.ingest.events.received", "source", s),
                DistributionSummary.builder("cairn.ingest.event.size").baseUnit("bytes").tag("source", s)
                        .publishPercentileHistogram().register(registry),
                registry.counter("cairn.ingest.links", "source", s, "result", "published"),
                registry.counter("cairn.ingest.links", "source", s, "result", "recent")));
    }

    void received(String source, int bytes) {
        PerSource meters = of(source);
        meters.received().increment();
        meters.size().record(bytes);
    }

    void outcome(String source, EventOutcome outcome, EventInput event) {
        // Source ids come from the contracts and planned names from the plan: the label sets are bounded.
        String name = event.getType() == EventType.EVENT_TYPE_TRACK && plan.planned(event.getEvent())
                ? event.getEvent()
                : event.getType() == EventType.EVENT_TYPE_TRACK
                        ? "(unplanned)"
                        : "(" + event.getType().name()
                                .replace("EVENT_TYPE_", "").toLowerCase() + ")";
        outcomes.computeIfAbsent(new OutcomeLabels(source, outcome, name),
                l -> registry.counter("cairn.ingest.events", "source", l.source(), "outcome",
                        l.outcome().name().replace("EVENT_OUTCOME_", "").toLowerCase(), "event", l.event()))
                .increment();
    }

    /** An event with identifiers to link: its links published, or not, as a repeat of a recent set. */
    void links(String source, boolean published) {
        PerSource meters = of(source);
        (published ? meters.linksPublished() : meters.linksRecent()).increment();
    }

    void violation(String source, ViolationType type) {
        violations.computeIfAbsent(List.of(source, type.name()), l -> registry.counter("cairn.ingest.violations",
                "source", source, "type", type.name().replace("VIOLATION_TYPE_", "").toLowerCase())).increment();
    }

    /** Per event and destination: with opt-in purposes not granted, most events are suppressed somewhere. */
    void suppressed(String source, String destination) {
        suppressions.computeIfAbsent(List.of(source, destination), l -> registry
                .counter("cairn.ingest.consent.suppressed", "source", source, "destination", destination)).increment();
    }

    /** A request's dedup confirmation after its commit failed at first: retried, then recovered or expired. */
    void dedupConfirm(String source, String result) {
        registry.counter("cairn.ingest.dedup.confirm.failures", "source", source, "result", result).increment();
    }

    void publishFailed(String source) {
        registry.counter("cairn.ingest.publish.errors", "source", source).increment();
    }

    void rateLimited(String source, int events) {
        registry.counter("cairn.ingest.rate_limited", "source", source).increment(events);
    }

    /**
     * Group commit at work: transactions ended (by result), and the requests and records they carried. Requests
     * per transaction is the rate of {@code cairn_ingest_transaction_requests_total} over that of
     * {@code cairn_ingest_transactions_total}.
     */
    static void bind(MeterRegistry registry, TransactionalPublisher publisher) {
        FunctionCounter.builder("cairn.ingest.transactions", publisher, p -> p.stats().committedTransactions())
                .tag("result", "committed").register(registry);
        FunctionCounter.builder("cairn.ingest.transactions", publisher,
                p -> p.stats().transactions() - p.stats().committedTransactions()).tag("result", "failed")
                .register(registry);
        FunctionCounter.builder("cairn.ingest.transaction.requests", publisher, p -> p.stats().requests())
                .register(registry);
        FunctionCounter.builder("cairn.ingest.transaction.records", publisher, p -> p.stats().records())
                .register(registry);
        Gauge.builder("cairn.ingest.transaction.waiting", publisher, TransactionalPublisher::waiting)
                .description("requests waiting for a transaction").register(registry);
    }

    /** Time from a request's arrival to its answer (after Kafka's commit for accepted events). */
    public Timer ackLatency(String transport) {
        return ackLatency.computeIfAbsent(transport, t -> Timer.builder("cairn.ingest.ack.latency")
                .tag("transport", t).publishPercentileHistogram().register(registry));
    }
}
