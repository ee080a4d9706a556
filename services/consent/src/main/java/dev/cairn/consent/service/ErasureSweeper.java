package dev.cairn.consent.service;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.ConsentConfig;

/**
 * Keeps erasure requests from stalling unseen: on a timer, resumes the ones an instance stopped in the middle of
 * (and retries failed ones) once their claim is stale, and publishes how many are not DONE and how old the oldest
 * is, so an SRE can alert on an erasure that misses its deadline.
 */
@ApplicationScoped
public class ErasureSweeper {

    @Inject
    ErasureCoordinator coordinator;

    @Inject
    ConsentConfig config;

    @Inject
    MeterRegistry metrics;

    private final AtomicLong notDone = new AtomicLong();
    private final AtomicLong oldestAgeSeconds = new AtomicLong();

    @PostConstruct
    void gauges() {
        metrics.gauge("cairn.consent.erasures.not_done", notDone);
        metrics.gauge("cairn.consent.erasures.oldest_not_done.age.seconds", oldestAgeSeconds);
    }

    @Scheduled(every = "${cairn.consent.erasure-sweep-interval:1m}", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return coordinator.resumeStale(Instant.now().minus(config.erasureResumeAfter()))
                .chain(this::refreshGauges).replaceWithVoid();
    }

    /** Re-reads the pending-erasure figures into the gauges. */
    public Uni<ErasureCoordinator.PendingErasures> refreshGauges() {
        return coordinator.pending().invoke(p -> {
            notDone.set(p.count());
            oldestAgeSeconds.set(p.oldestRequestedAt()
                    .map(t -> Duration.between(t, Instant.now()).toSeconds()).orElse(0L));
        });
    }
}
