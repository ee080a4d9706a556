package dev.cairn.bench.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.cairn.bench.load.AsyncCall;
import dev.cairn.bench.load.CpuPerCall;
import dev.cairn.bench.load.LoadResult;
import dev.cairn.bench.load.OpenLoop;
import dev.cairn.bench.support.Processes;
import dev.cairn.bench.support.Profiler;

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
        return measure(ctx, p, r, label, call, null);
    }

    /**
     * @param service profiled with JFR during the closed loop when the scenario's {@code profile} parameter is
     *        true (what limits the peak)
     */
    static LoadResult measure(BenchContext ctx, Params p, ScenarioResult r, String label, AsyncCall call,
            String service) throws Exception {
        int connections = p.integer("connections");
        int concurrency = p.integer("concurrency");
        Duration warmup = p.duration("warmup");
        Duration duration = p.duration("duration");

        Profiler profiler = service != null && Boolean.parseBoolean(p.asMap().getOrDefault("profile", "false"))
                ? Profiler.tryStart(ctx.servicePid(service), ctx.out.resolve(r.name + "-" + service + ".jfr"), r.notes)
                : null;
        long pid = service == null ? -1 : ctx.servicePid(service);
        CpuPerCall.Measured measured = CpuPerCall.closedLoop(call, concurrency, warmup, duration,
                () -> service == null ? Map.of() : withGenerator(IdentityThroughput.cpu(ctx, service, pid)));
        LoadResult peak = measured.result();
        if (profiler != null) {
            r.figures.put("profile_at_peak", profiler.stop());
        }
        r.check(label + " closed loop", peak);
        r.figures.put("peak", peak.toMap());
        r.figures.put("cpu_us_per_call_at_peak", measured.cpuMicrosPerCall());
        r.throughput.put(label + " (peak)", peak.requestsPerSecond());
        r.throughputUnit = "calls per second";
        for (String variant : VARIANTS) {
            LoadResult empty = ctx.emptyPeak(variant, concurrency, connections, warmup, duration);
            r.check(variant + " empty call closed loop", empty);
            r.figures.put(key(variant, "empty_call_peak"), empty.toMap());
            r.figures.put(key(variant, "empty_call_cpu_us_per_call_at_peak"), ctx.emptyPeakCpu(variant, concurrency,
                    connections));
            r.figures.put(key(variant, "throughput_ratio_to_empty_call"),
                    round(peak.requestsPerSecond() / empty.requestsPerSecond()));
            r.throughput.put(title(variant) + " (peak)", empty.requestsPerSecond());
        }

        List<LoadResult> sweep = new ArrayList<>();
        Map<String, List<LoadResult>> emptySweeps = new LinkedHashMap<>();
        LoadResult half = null;
        List<Map<String, Object>> points = new ArrayList<>();
        for (double fraction : p.numbers("sweep")) {
            double rate = Math.max(1, peak.requestsPerSecond() * fraction);
            LoadResult at = OpenLoop.run(call, rate, warmup, duration, 10_000);
            r.check(label + " open loop at " + fraction, at);
            sweep.add(at);
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("fraction_of_peak", fraction);
            point.put("service", at.toMap());
            for (String variant : VARIANTS) {
                LoadResult emptyAt = ctx.emptyAt(variant, rate, connections, warmup, duration);
                r.check(variant + " empty call open loop at " + fraction, emptyAt);
                emptySweeps.computeIfAbsent(title(variant), k -> new ArrayList<>()).add(emptyAt);
                point.put(key(variant, "empty_call"), emptyAt.toMap());
                if (fraction == 0.5) {
                    r.figures.put(key(variant, "empty_call_p99_ms_at_same_rate"), round(emptyAt.percentileMillis(99)));
                    r.figures.put(key(variant, "p99_ratio_to_empty_call"),
                            round(at.percentileMillis(99) / emptyAt.percentileMillis(99)));
                }
            }
            points.add(point);
            if (fraction == 0.5) {
                half = at;
                r.figures.put("p99_ms_at_half_peak", round(at.percentileMillis(99)));
            }
        }
        r.figures.put("open_loop", points);
        r.sweeps.put(label, sweep);
        r.sweeps.putAll(emptySweeps);
        return half;
    }

    /**
     * The two empty calls a service is divided by: "bare" (the framework alone, no token checked) and
     * "bare-auth" (the same server checking the OIDC bearer token the way the services do).
     */
    static final List<String> VARIANTS = List.of("bare", "bare-auth");

    /** The generator's own CPU beside the service's: it shares the machine's cores with what it measures. */
    static Map<String, Double> withGenerator(Map<String, Double> cpu) {
        Map<String, Double> all = new LinkedHashMap<>(cpu);
        all.put("generator", Processes.cpuSeconds(0));
        return all;
    }

    static String key(String variant, String figure) {
        return variant.equals("bare") ? figure : figure.replace("empty_call", "authenticated_empty_call");
    }

    static String title(String variant) {
        return variant.equals("bare") ? "empty call" : "empty call + token check";
    }

    static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    /**
     * The targets shared by Resolve and Decide (see the table), against both empty calls: the bare one
     * is the literal baseline; the authenticated one is built like the services (same token check).
     */
    static void standardTargets(ScenarioResult r, String what, boolean p99AgainstEmptyCall) {
        for (String variant : VARIANTS) {
            if (r.figures.get(key(variant, "throughput_ratio_to_empty_call")) instanceof Double d) {
                r.target(what + " throughput / " + title(variant) + "'s", ">= 0.8", d, 0.8, true);
            }
        }
        if (r.figures.get("p99_ms_at_half_peak") instanceof Double d) {
            r.target(what + " p99 at half of peak (ms)", "< 1 ms", d, 0.999999, false);
        }
        for (String variant : VARIANTS) {
            if (p99AgainstEmptyCall && r.figures.get(key(variant, "p99_ratio_to_empty_call")) instanceof Double d) {
                r.target(what + " p99 / " + title(variant) + "'s p99 at that load", "<= 1.5", d, 1.5, false);
            }
        }
    }
}
