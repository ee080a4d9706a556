package dev.cairn.bench.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.cairn.bench.load.AsyncCall;
import dev.cairn.bench.load.ClosedLoop;
import dev.cairn.bench.load.LoadResult;
import dev.cairn.bench.load.OpenLoop;

/**
 * The measurement shared by the request-time RPCs (Resolve, Decide, IsMember): saturation in closed loop,
 * then latency in open loop at fractions of that peak, and the empty unary call on the bare Quarkus server
 * with the same connections, concurrency and rates, so that every figure has its ratio. Parameters
 * (in each scenario's file): connections, concurrency, warmup, duration, sweep (fractions of the peak).
 */
final class RequestResponse {

    private RequestResponse() {
    }

    /** Runs the phases; returns the open-loop result at half the peak (the targets' load). */
    static LoadResult measure(BenchContext ctx, Params p, ScenarioResult r, String label, AsyncCall call)
            throws Exception {
        int connections = p.integer("connections");
        int concurrency = p.integer("concurrency");
        Duration warmup = p.duration("warmup");
        Duration duration = p.duration("duration");

        LoadResult peak = ClosedLoop.run(call, concurrency, warmup, duration);
        r.check(label + " closed loop", peak);
        LoadResult emptyPeak = ctx.emptyPeak(concurrency, connections, warmup, duration);
        r.check("empty call closed loop", emptyPeak);
        r.figures.put("peak", peak.toMap());
        r.figures.put("empty_call_peak", emptyPeak.toMap());
        double ratio = peak.requestsPerSecond() / emptyPeak.requestsPerSecond();
        r.figures.put("throughput_ratio_to_empty_call", round(ratio));
        r.throughput.put(label + " (peak)", peak.requestsPerSecond());
        r.throughput.put("empty call (peak)", emptyPeak.requestsPerSecond());
        r.throughputUnit = "calls per second";

        List<LoadResult> sweep = new ArrayList<>();
        List<LoadResult> emptySweep = new ArrayList<>();
        LoadResult half = null;
        LoadResult emptyHalf = null;
        List<Map<String, Object>> points = new ArrayList<>();
        for (double fraction : p.numbers("sweep")) {
            double rate = Math.max(1, peak.requestsPerSecond() * fraction);
            LoadResult at = OpenLoop.run(call, rate, warmup, duration, 10_000);
            r.check(label + " open loop at " + fraction, at);
            LoadResult emptyAt = ctx.emptyAt(rate, connections, warmup, duration);
            sweep.add(at);
            emptySweep.add(emptyAt);
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("fraction_of_peak", fraction);
            point.put("service", at.toMap());
            point.put("empty_call", emptyAt.toMap());
            points.add(point);
            if (fraction == 0.5) {
                half = at;
                emptyHalf = emptyAt;
            }
        }
        r.figures.put("open_loop", points);
        r.sweeps.put(label, sweep);
        r.sweeps.put("empty call", emptySweep);
        if (half != null) {
            r.figures.put("p99_ms_at_half_peak", round(half.percentileMillis(99)));
            r.figures.put("empty_call_p99_ms_at_same_rate", round(emptyHalf.percentileMillis(99)));
            r.figures.put("p99_ratio_to_empty_call", round(half.percentileMillis(99) / emptyHalf.percentileMillis(99)));
        }
        return half == null ? null : half;
    }

    static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    /** The targets shared by Resolve and Decide (see the table). */
    static void standardTargets(ScenarioResult r, String what, boolean p99AgainstEmptyCall) {
        Object ratio = r.figures.get("throughput_ratio_to_empty_call");
        if (ratio instanceof Double d) {
            r.target(what + " throughput / empty call's", ">= 0.8", d, 0.8, true);
        }
        Object p99 = r.figures.get("p99_ms_at_half_peak");
        if (p99 instanceof Double d) {
            r.target(what + " p99 at half of peak (ms)", "< 1 ms", d, 0.999999, false);
        }
        Object p99ratio = r.figures.get("p99_ratio_to_empty_call");
        if (p99AgainstEmptyCall && p99ratio instanceof Double d) {
            r.target(what + " p99 / empty call's p99 at that load", "<= 1.5", d, 1.5, false);
        }
    }
}
