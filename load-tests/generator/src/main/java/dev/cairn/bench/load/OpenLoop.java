package dev.cairn.bench.load;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Open loop: requests are due at a fixed arrival rate whatever the server does, and each latency runs from
 * the request's intended send time, not from when it could actually be sent. If the server stalls, the
 * requests that should have gone out meanwhile are recorded with the stall in their latency (no coordinated
 * omission). The number of requests in flight is capped so that a dead server cannot exhaust memory; a
 * request held back by the cap still measures from its intended time.
 */
public final class OpenLoop {

    private OpenLoop() {
    }

    /**
     * @param rate requests per second
     * @param warmup sent and answered but not recorded (JIT, connection set-up)
     * @param duration the measured window that follows the warm-up
     * @param maxInFlight requests in flight at most; the schedule falls behind (and latencies grow) beyond it
     */
    public static LoadResult run(AsyncCall call, double rate, Duration warmup, Duration duration, int maxInFlight) {
        if (rate <= 0) {
            throw new IllegalArgumentException("rate must be positive: " + rate);
        }
        PhaseRecorder rec = new PhaseRecorder();
        Semaphore inFlight = new Semaphore(maxInFlight);
        double periodNanos = 1e9 / rate;
        long start = System.nanoTime();
        long measuredFrom = start + warmup.toNanos();
        long end = measuredFrom + duration.toNanos();
        for (long i = 0;; i++) {
            // Computed from the start each time, so rounding never drifts the schedule.
            long intended = start + (long) (i * periodNanos);
            if (intended - end >= 0) {
                break;
            }
            long now;
            while ((now = System.nanoTime()) - intended < 0) {
                LockSupport.parkNanos(intended - now);
            }
            inFlight.acquireUninterruptibly();
            boolean measured = intended - measuredFrom >= 0;
            CompletionStage<?> stage = Calls.safely(call, i);
            stage.whenComplete((result, failure) -> {
                long latency = System.nanoTime() - intended;
                inFlight.release();
                if (measured) {
                    rec.record(latency, result, failure);
                }
            });
        }
        // Wait for the answers still due, as long as the longest latency we record.
        try {
            inFlight.tryAcquire(maxInFlight, PhaseRecorder.MAX_MICROS, TimeUnit.MICROSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return rec.result("open", rate, maxInFlight, duration.toNanos() / 1e9);
    }
}
