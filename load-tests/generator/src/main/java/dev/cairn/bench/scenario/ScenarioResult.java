package dev.cairn.bench.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

import dev.cairn.bench.load.LoadResult;

/** What a scenario reports: figures, targets with their verdicts, errors, and the data of its plot. */
public final class ScenarioResult {

    public final String name;
    public final Map<String, Object> figures = new LinkedHashMap<>();
    public final List<Map<String, Object>> targets = new ArrayList<>();
    public final List<String> errors = new ArrayList<>();
    public final List<String> notes = new ArrayList<>();
    /** Latency percentiles over load: series name -> open-loop results at increasing rates. */
    public final Map<String, List<LoadResult>> sweeps = new LinkedHashMap<>();
    /** Throughput against its baseline: label -> value, in {@link #throughputUnit}. */
    public final Map<String, Double> throughput = new LinkedHashMap<>();
    public String throughputUnit = "per second";
    /** Latency distributions (percentile curves) for scenarios that are not a load sweep. */
    public final Map<String, Histogram> distributions = new LinkedHashMap<>();

    public ScenarioResult(String name) {
        this.name = name;
    }

    /** Records a target and whether the measured value met it (lower is better unless atLeast). */
    public void target(String figure, String target, double measured, double limit, boolean atLeast) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("figure", figure);
        t.put("target", target);
        t.put("measured", Math.round(measured * 1000.0) / 1000.0);
        t.put("met", !Double.isNaN(measured) && (atLeast ? measured >= limit : measured <= limit));
        targets.add(t);
    }

    /** Counts a phase's errors towards the scenario's (smoke fails on any). */
    public void check(String phase, LoadResult r) {
        if (r.errors() > 0) {
            errors.add(phase + ": " + r.errors() + " errors, first: " + r.firstErrors());
        }
        if (r.requests() == 0) {
            errors.add(phase + ": no request was answered");
        }
    }
}
