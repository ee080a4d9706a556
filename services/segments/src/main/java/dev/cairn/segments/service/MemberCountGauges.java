package dev.cairn.segments.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinition;
import dev.cairn.segments.store.MembershipReader;

/** Refreshes segments_members{segment} from the member index in Redis (the serving truth, across instances). */
@ApplicationScoped
public class MemberCountGauges {

    @Inject
    SegmentCatalog catalog;
    @Inject
    MembershipReader reader;
    @Inject
    SegmentsMetrics metrics;

    @Scheduled(every = "${cairn.segments.gauge-refresh-interval:30s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return Uni.join().all(catalog.all().stream().map(SegmentDefinition::id)
                .map(id -> reader.memberCount(id).invoke(n -> metrics.members(id, n))).toList())
                .andCollectFailures().replaceWithVoid().onFailure().recoverWithNull();
    }
}
