package dev.cairn.bench.load;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed loop: a fixed number of requests in flight, each answer immediately followed by the next request.
 * This finds saturation throughput; its latencies are service times under that concurrency (a closed loop
 * cannot show queueing delay, which is what the open loop is for).
 */
public final class ClosedLoop {

    private ClosedLoop() {
    }

    public static LoadResult run(AsyncCall call, int concurrency, Duration warmup, Duration duration) {
        PhaseRecorder rec = new PhaseRecorder();
        long start = System.nanoTime();
        long measuredFrom = start + warmup.toNanos();
        long end = measuredFrom + duration.toNanos();
        AtomicLong sequence = new AtomicLong();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            new Worker(call, rec, sequence, measuredFrom, end, done).next();
        }
        try {
            done.await(duration.toMillis() + warmup.toMillis() + 120_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return rec.result("closed", 0, concurrency, duration.toNanos() / 1e9);
    }

    private record Worker(AsyncCall call, PhaseRecorder rec, AtomicLong sequence, long measuredFrom, long end,
            CountDownLatch done) {

        void next() {
            // A loop, not recursion, for calls that answer synchronously (an already completed stage).
            while (true) {
                long sent = System.nanoTime();
                if (sent - end >= 0) {
                    done.countDown();
                    return;
                }
                CompletableFuture<?> f = Calls.safely(call, sequence.getAndIncrement()).toCompletableFuture();
                if (f.isDone()) {
                    complete(sent, f);
                    continue;
                }
                f.whenComplete((r, t) -> {
                    complete(sent, f);
                    next();
                });
                return;
            }
        }

        private void complete(long sent, CompletionStage<?> f) {
            long answered = System.nanoTime();
            // Only answers that arrived inside the measured window count towards throughput.
            boolean measured = sent - measuredFrom >= 0 && answered - end < 0;
            f.toCompletableFuture().handle((r, t) -> {
                if (measured) {
                    rec.record(answered - sent, r, t);
                }
                return null;
            });
        }
    }
}
