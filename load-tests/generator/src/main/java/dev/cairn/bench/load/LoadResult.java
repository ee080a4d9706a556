package dev.cairn.bench.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What one load phase measured. Latencies are in microseconds; in open loop they run from the intended send
 * time, so time spent queued behind a slow answer is counted, not hidden.
 *
 * @param mode "open" (fixed arrival rate) or "closed" (fixed concurrency, saturation)
 * @param offeredPerSecond the arrival rate asked for (open loop), 0 for closed loop
 * @param requestsPerSecond answered requests per second in the measured window
 * @param unitsPerSecond units (events of a batch) per second in the measured window
 * @param backpressure answers that asked the client to retry (RESOURCE_EXHAUSTED, RETRY, 429/503)
 * @param firstErrors the first few error messages, for the report
 */
public record LoadResult(String mode, double offeredPerSecond, int concurrency, double seconds, long requests,
        long units, long errors, long backpressure, double requestsPerSecond, double unitsPerSecond,
        Histogram latencyMicros, List<String> firstErrors) {

    public double percentileMillis(double p) {
        return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(p) / 1000.0;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", mode);
        if (offeredPerSecond > 0) {
            m.put("offered_per_s", round(offeredPerSecond));
        }
        m.put("concurrency", concurrency);
        m.put("seconds", round(seconds));
        m.put("requests", requests);
        m.put("units", units);
        m.put("errors", errors);
        m.put("backpressure", backpressure);
        m.put("requests_per_s", round(requestsPerSecond));
        m.put("units_per_s", round(unitsPerSecond));
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("p50", round(percentileMillis(50)));
        lat.put("p90", round(percentileMillis(90)));
        lat.put("p99", round(percentileMillis(99)));
        lat.put("p99_9", round(percentileMillis(99.9)));
        lat.put("max", round(latencyMicros.getMaxValue() / 1000.0));
        lat.put("mean", round(latencyMicros.getMean() / 1000.0));
        m.put("latency_ms", lat);
        if (!firstErrors.isEmpty()) {
            m.put("first_errors", firstErrors);
        }
        return m;
    }

    static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 1000.0) / 1000.0;
    }
}
