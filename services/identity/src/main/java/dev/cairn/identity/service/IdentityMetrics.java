package dev.cairn.identity.service;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.cairn.identity.repository.LogEntry;

/**
 * Identity's meters. Change rates count entries as they reach Redis (so they count each entry once, even
 * across a rebuild: the apply is skipped for what Redis has). Consumer lag comes with the Kafka client's own
 * meters (kafka_consumer_fetch_manager_records_lag_max, tagged with the client id).
 * <p>
 * Each meter is looked up once per label set and kept: Resolve records on every call, and a registry lookup builds
 * and sorts its tags each time. Label values are bounded (RPC names, change kinds, rule names, source ids).
 */
@ApplicationScoped
public class IdentityMetrics {

    private record ChangeLabels(String kind, String rule) {
    }

    private record LinkLabels(String source, boolean matched) {
    }

    @Inject
    MeterRegistry registry;

    private final Map<String, Timer> resolveLatency = new ConcurrentHashMap<>();
    private final Map<ChangeLabels, Counter> changes = new ConcurrentHashMap<>();
    private final Map<LinkLabels, Counter> links = new ConcurrentHashMap<>();
    private Counter found;
    private Counter unknown;
    private DistributionSummary movedIdentifiers;
    private DistributionSummary profileSize;

    @PostConstruct
    void register() {
        found = registry.counter("cairn.identity.resolve.identifiers", "outcome", "found");
        unknown = registry.counter("cairn.identity.resolve.identifiers", "outcome", "unknown");
        movedIdentifiers = DistributionSummary.builder("cairn.identity.profile.moved_identifiers")
                .publishPercentileHistogram().register(registry);
        profileSize = DistributionSummary.builder("cairn.identity.profile.size").publishPercentileHistogram()
                .register(registry);
    }

    /** Resolve latency, per RPC (resolve / batch_resolve), measured around the one Redis round trip. */
    public void resolved(String rpc, Duration took, int asked, int found) {
        resolveLatency.computeIfAbsent(rpc, r -> Timer.builder("cairn.identity.resolve.latency").tag("rpc", r)
                .publishPercentileHistogram().register(registry)).record(took);
        this.found.increment(found);
        unknown.increment(asked - found);
    }

    /** Link, merge, split, refusal, hold, ambiguous and delete rates, tagged with the rule. */
    public void applied(LogEntry e, int identifiers) {
        changes.computeIfAbsent(new ChangeLabels(e.kind, e.rule), l -> registry.counter("cairn.identity.changes",
                "kind", l.kind().replace("IDENTITY_CHANGE_KIND_", "").toLowerCase(), "rule", l.rule())).increment();
        if (e.kind.endsWith("LINKED") || e.kind.endsWith("MERGED")) {
            movedIdentifiers.record(identifiers);
        }
    }

    /**
     * Match rate by source: whether an event's identifiers joined an existing profile (matched) or only made
     * a new one (unmatched).
     */
    public void linked(String sourceId, boolean matched) {
        links.computeIfAbsent(new LinkLabels(sourceId, matched), l -> registry.counter("cairn.identity.links",
                "source", l.source(), "outcome", l.matched() ? "matched" : "unmatched")).increment();
    }

    /** Profile size distribution: the size of the profile an event's identifiers ended up in. */
    public void profileSize(int size) {
        profileSize.record(size);
    }
}
