package dev.cairn.segments.service;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.cairn.proto.events.v1.MembershipChange;

/**
 * Segments' own meters. Consumer lag and the Streams client's metrics come from Quarkus' Kafka Streams
 * binder (kafka_stream_*), next to these.
 */
@ApplicationScoped
public class SegmentsMetrics {

    @Inject
    MeterRegistry registry;

    private final AtomicLong profilesInState = new AtomicLong();
    private final Map<String, AtomicLong> membersPerSegment = new ConcurrentHashMap<>();
    private Timer freshness;
    private Counter late;

    @jakarta.annotation.PostConstruct
    void init() {
        freshness = Timer.builder("segments.evaluation.latency")
                .description("Event time of the causing event to the membership being visible in Redis")
                .publishPercentiles(0.5, 0.99).register(registry);
        late = Counter.builder("segments.events.late")
                .description("Events that arrived later than the grace and were left out of their windows")
                .register(registry);
        Gauge.builder("segments.state.profiles", profilesInState, AtomicLong::get)
                .description("Profiles held in this instance's Streams state (approximate)").register(registry);
    }

    public void membershipVisible(MembershipChange c, long eventTime, long visibleAt) {
        freshness.record(Duration.ofMillis(Math.max(0, visibleAt - eventTime)));
    }

    public void changed(MembershipChange c) {
        registry.counter("segments.membership.changes", "segment", c.getSegmentId(), "transition",
                c.getTransition().name(), "cause", c.getCause().name()).increment();
    }

    public void lateEvent() {
        late.increment();
    }

    public void profilesInState(long n) {
        profilesInState.set(n);
    }

    public void members(String segmentId, long n) {
        membersPerSegment.computeIfAbsent(segmentId, id -> {
            AtomicLong holder = new AtomicLong();
            Gauge.builder("segments.members", holder, AtomicLong::get).tag("segment", id)
                    .description("Current members of the segment (from Redis)").register(registry);
            return holder;
        }).set(n);
    }
}
