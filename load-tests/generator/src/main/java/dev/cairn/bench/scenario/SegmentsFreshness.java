package dev.cairn.bench.scenario;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.grpc.Context;
import io.grpc.stub.StreamObserver;

import dev.cairn.bench.load.AsyncCall;
import dev.cairn.bench.load.LoadResult;
import dev.cairn.bench.load.OpenLoop;
import dev.cairn.bench.support.Grpc;
import dev.cairn.bench.support.Profiler;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
import dev.cairn.proto.segments.v1.WatchMembershipChangesRequest;
import dev.cairn.proto.segments.v1.WatchMembershipChangesResponse;

/**
 * Event → membership visible, under a steady event stream. Ingest receives events_per_s in batches at a fixed
 * arrival rate; one event of each batch is a probe: the first Product Viewed of a fresh user, which makes
 * that user's profile enter the probe segment. A WatchMembershipChanges stream on segments sees the entry;
 * freshness is from the probe batch's send time to the change arriving on the stream (the causing event's
 * messageId ties them). A probe whose entry never arrives is an error.
 */
public final class SegmentsFreshness implements Scenario {

    @Override
    public String name() {
        return "segments-freshness";
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        int target = p.integer("target_events_per_s");
        for (double rate : p.numbers("events_per_s")) {
            Map<String, Object> figures = new java.util.LinkedHashMap<>();
            Histogram h = stream(ctx, p, r, (int) rate, figures);
            r.figures.put("at_" + (int) rate + "_events_per_s", figures);
            r.distributions.put("visible at " + (int) rate + " events/s", h);
            if ((int) rate == target && h.getTotalCount() > 0) {
                r.target("event -> membership visible p99 at " + target + " events/s (ms)", "<= 250 ms",
                        h.getValueAtPercentile(99) / 1000.0, 250, false);
            }
        }
        return r;
    }

    /** One steady stream at a rate; returns the freshness of its probes. */
    private Histogram stream(BenchContext ctx, Params p, ScenarioResult r, int eventsPerSecond,
            Map<String, Object> figures) throws Exception {
        int batch = p.integer("batch");
        int size = p.integer("event_bytes");
        int backgroundUsers = p.integer("background_users");
        String segment = p.string("segment");
        Map<String, Long> probes = new ConcurrentHashMap<>();
        Recorder freshness = new Recorder(60_000_000L, 3);
        Map<String, Boolean> seen = new ConcurrentHashMap<>();

        Context.CancellableContext watchContext = Context.current().withCancellation();
        Grpc.Pool segments = ctx.pool("segments", 1);
        watchContext.run(() -> SegmentsServiceGrpc.newStub(segments.next()).watchMembershipChanges(
                WatchMembershipChangesRequest.newBuilder().addSegmentIds(segment)
                        .setPublishedSince(Events.now()).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(WatchMembershipChangesResponse v) {
                        long now = System.nanoTime();
                        if (v.getChange().getTransition() != MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED) {
                            return;
                        }
                        Long sent = probes.get(v.getChange().getEventMessageId());
                        if (sent != null && seen.putIfAbsent(v.getChange().getEventMessageId(), true) == null) {
                            freshness.recordValue(Math.min(60_000_000L, (now - sent) / 1000));
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        if (!watchContext.isCancelled()) {
                            r.errors.add("watch stream failed: " + t);
                        }
                    }

                    @Override
                    public void onCompleted() {
                    }
                }));
        Thread.sleep(1000); // the stream is open before the first probe

        Grpc.Pool ingest = ctx.pool("ingest", p.integer("connections"));
        String prefix = "bench-fr-" + ctx.runId + "-" + eventsPerSecond + "-";
        AsyncCall call = seq -> {
            IngestBatchRequest.Builder req = IngestBatchRequest.newBuilder().setSourceId("backend");
            String probeId = prefix + seq + "-probe";
            req.addEvents(Events.track("Product Viewed", probeId, prefix + "user-" + seq, size));
            for (int i = 1; i < batch; i++) {
                req.addEvents(Events.track("Product Viewed", prefix + seq + "-" + i,
                        "bench-bg-" + ((seq * batch + i) % backgroundUsers), size));
            }
            probes.put(probeId, System.nanoTime());
            return Events.accepted(Grpc.toFuture(IngestServiceGrpc.newFutureStub(ingest.next())
                    .withDeadlineAfter(30, TimeUnit.SECONDS).ingestBatch(req.build())), batch);
        };
        Profiler profiler = Boolean.parseBoolean(p.asMap().getOrDefault("profile", "false"))
                ? Profiler.tryStart(ctx.servicePid("segments"),
                        ctx.out.resolve(name() + "-" + eventsPerSecond + "-segments.jfr"), r.notes)
                : null;
        LoadResult stream = OpenLoop.run(call, (double) eventsPerSecond / batch, p.duration("warmup"),
                p.duration("duration"), 2_000);
        if (profiler != null) {
            figures.put("segments_profile_during_stream", profiler.stop());
        }
        long deadline = System.nanoTime() + p.duration("drain").toNanos();
        while (seen.size() < probes.size() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        watchContext.cancel(null);
        // A probe never seen is not left out (that would flatter the percentiles): it counts with the time
        // waited for it, a lower bound of its freshness.
        long gaveUp = System.nanoTime();
        int missing = 0;
        for (Map.Entry<String, Long> probe : probes.entrySet()) {
            if (seen.putIfAbsent(probe.getKey(), false) == null) {
                freshness.recordValue(Math.min(60_000_000L, (gaveUp - probe.getValue()) / 1000));
                missing++;
            }
        }
        Histogram h = freshness.getIntervalHistogram();
        figures.put("event_stream", stream.toMap());
        figures.put("offered_events_per_s", eventsPerSecond);
        figures.put("achieved_events_per_s", RequestResponse.round(stream.unitsPerSecond()));
        figures.put("probes", probes.size());
        figures.put("probes_not_seen", missing);
        figures.put("freshness_ms", Map.of("p50", h.getValueAtPercentile(50) / 1000.0, "p99",
                h.getValueAtPercentile(99) / 1000.0, "max", h.getMaxValue() / 1000.0, "count", h.getTotalCount()));
        r.check("event stream at " + eventsPerSecond + "/s", stream);
        if (missing > 0) {
            r.errors.add(missing + " of " + probes.size() + " probe entries at " + eventsPerSecond
                    + " events/s not seen on the watch stream within " + p.string("drain")
                    + " after the stream ended (counted at the time waited, a lower bound)");
        }
        return h;
    }
}
