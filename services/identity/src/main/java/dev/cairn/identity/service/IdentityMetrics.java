package dev.cairn.identity.service;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.cairn.identity.repository.LogEntry;

/**
 * Identity's meters. Change rates count entries as they reach Redis (so they count each entry once, even
 * across a rebuild: the apply is skipped for what Redis has). Consumer lag comes with the Kafka client's own
 * meters (kafka_consumer_fetch_manager_records_lag_max, tagged with the client id).
 */
@ApplicationScoped
public class IdentityMetrics {

    @Inject
    MeterRegistry registry;

    /** Resolve latency, per RPC (resolve / batch_resolve), measured around the one Redis round trip. */
    public void resolved(String rpc, Duration took, int asked, int found) {
        Timer.builder("cairn.identity.resolve.latency").tag("rpc", rpc).publishPercentileHistogram()
                .register(registry).record(took);
        registry.counter("cairn.identity.resolve.identifiers", "outcome", "found").increment(found);
        registry.counter("cairn.identity.resolve.identifiers", "outcome", "unknown").increment(asked - found);
    }

    /** Link, merge, split, refusal, hold, ambiguous and delete rates, tagged with the rule. */
    public void applied(LogEntry e, int identifiers) {
        registry.counter("cairn.identity.changes", "kind", e.kind.replace("IDENTITY_CHANGE_KIND_", "").toLowerCase(),
                "rule", e.rule).increment();
        if (e.kind.endsWith("LINKED") || e.kind.endsWith("MERGED")) {
            DistributionSummary.builder("cairn.identity.profile.moved_identifiers").publishPercentileHistogram()
                    .register(registry).record(identifiers);
        }
    }

    /**
     * Match rate by source: whether an event's identifiers joined an existing profile (matched) or only made
     * a new one (unmatched).
     */
    public void linked(String sourceId, boolean matched) {
        registry.counter("cairn.identity.links", "source", sourceId, "outcome", matched ? "matched" : "unmatched")
                .increment();
    }

    /** Profile size distribution: the size of the profile an event's identifiers ended up in. */
    public void profileSize(int size) {
        DistributionSummary.builder("cairn.identity.profile.size").publishPercentileHistogram().register(registry)
                .record(size);
    }
}
