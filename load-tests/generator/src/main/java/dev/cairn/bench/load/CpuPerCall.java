package dev.cairn.bench.load;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A closed loop with the CPU each process spent in its measured window: CPU seconds are sampled (from /proc) when
 * the warm-up ends and again when the loop returns, and divided by the calls answered in the window, so JIT and
 * warm-up work are left out. The window's edges are those of the loop within a few milliseconds.
 */
public final class CpuPerCall {

    /** The loop's result and CPU-µs per measured call by process (null where a process could not be read). */
    public record Measured(LoadResult result, Map<String, Object> cpuMicrosPerCall) {
    }

    private CpuPerCall() {
    }

    /** @param cpu CPU seconds used so far by each process of interest, by name */
    public static Measured closedLoop(AsyncCall call, int concurrency, Duration warmup, Duration duration,
            Supplier<Map<String, Double>> cpu) {
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cpu-sampler");
            t.setDaemon(true);
            return t;
        });
        try {
            ScheduledFuture<Map<String, Double>> atStart = clock.schedule(cpu::get, warmup.toMillis(),
                    TimeUnit.MILLISECONDS);
            LoadResult result = ClosedLoop.run(call, concurrency, warmup, duration);
            Map<String, Double> atEnd = cpu.get();
            Map<String, Double> before = atStart.get();
            Map<String, Object> perCall = new LinkedHashMap<>();
            for (Map.Entry<String, Double> e : atEnd.entrySet()) {
                double used = e.getValue() - before.getOrDefault(e.getKey(), Double.NaN);
                perCall.put(e.getKey(), Double.isNaN(used) || result.requests() == 0
                        ? null
                        : Math.round(used * 1e6 / result.requests()));
            }
            return new Measured(result, perCall);
        } catch (Exception e) {
            throw new IllegalStateException("sampling CPU around a closed loop failed", e);
        } finally {
            clock.shutdownNow();
        }
    }
}
