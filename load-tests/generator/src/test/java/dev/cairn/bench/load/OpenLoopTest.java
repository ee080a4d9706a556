package dev.cairn.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpenLoopTest {

    private final ScheduledExecutorService server = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    /**
     * A server that answers one request at a time in 1 ms, but stalls once for 300 ms. At 200 requests/s
     * about 60 requests were due during the stall: measured from their intended send time they all carry part
     * of it. A generator measuring from the actual send would have recorded the stall once (one slow request)
     * and 59 fast ones: coordinated omission.
     */
    @Test
    void latencyRunsFromIntendedSendTimeWhenTheServerStalls() {
        long stallAt = 200; // the 200th request stalls the server
        AsyncCall oneAtATime = new AsyncCall() {
            private long busyUntil;

            @Override
            public synchronized CompletableFuture<?> send(long seq) {
                long now = System.nanoTime();
                long startAt = Math.max(now, busyUntil);
                long service = seq == stallAt ? TimeUnit.MILLISECONDS.toNanos(300) : TimeUnit.MILLISECONDS.toNanos(1);
                busyUntil = startAt + service;
                CompletableFuture<Object> f = new CompletableFuture<>();
                server.schedule(() -> f.complete(1), busyUntil - now, TimeUnit.NANOSECONDS);
                return f;
            }
        };
        LoadResult r = OpenLoop.run(oneAtATime, 200, Duration.ZERO, Duration.ofSeconds(2), 10_000);

        assertEquals(0, r.errors());
        assertEquals(400, r.requests(), 2);
        long slowerThan100ms = r.latencyMicros().getCountBetweenValues(100_000, Long.MAX_VALUE);
        assertTrue(slowerThan100ms >= 30, "requests due during the stall must carry it, got " + slowerThan100ms);
        assertTrue(r.latencyMicros().getMaxValue() >= 290_000, "the stalled request itself: " + r.latencyMicros()
                .getMaxValue());
        assertTrue(r.percentileMillis(50) < 50, "most requests are fast: p50 " + r.percentileMillis(50));
    }

    /**
     * With a cap of one request in flight (a blocking client), requests held back by the cap still measure
     * from their intended time, so a stall shows as a queue of slow requests, not as fewer requests.
     */
    @Test
    void requestsHeldBackByTheInFlightCapStillMeasureFromTheirIntendedTime() {
        AsyncCall stallsOnce = seq -> {
            CompletableFuture<Object> f = new CompletableFuture<>();
            server.schedule(() -> f.complete(1), seq == 50 ? 200 : 1, TimeUnit.MILLISECONDS);
            return f;
        };
        LoadResult r = OpenLoop.run(stallsOnce, 200, Duration.ZERO, Duration.ofSeconds(1), 1);

        assertEquals(200, r.requests(), 2);
        long slowerThan50ms = r.latencyMicros().getCountBetweenValues(50_000, Long.MAX_VALUE);
        assertTrue(slowerThan50ms >= 20, "the queue behind the stall, got " + slowerThan50ms);
    }

    @Test
    void offersTheRequestedRate() {
        AsyncCall instant = seq -> CompletableFuture.completedFuture(1);
        LoadResult r = OpenLoop.run(instant, 1000, Duration.ofMillis(200), Duration.ofSeconds(1), 100);
        assertEquals(1000, r.requests(), 20);
        assertEquals(1000, r.requestsPerSecond(), 20);
    }

    @Test
    void failuresAreCountedApartFromBackpressureAndLatencies() {
        AsyncCall mixed = seq -> switch ((int) (seq % 4)) {
            case 0 -> CompletableFuture.failedFuture(new IllegalStateException("boom"));
            case 1 -> CompletableFuture.failedFuture(new Backpressure("retry later"));
            default -> CompletableFuture.completedFuture(10);
        };
        LoadResult r = OpenLoop.run(mixed, 400, Duration.ZERO, Duration.ofSeconds(1), 100);
        assertEquals(100, r.errors(), 2);
        assertEquals(100, r.backpressure(), 2);
        assertEquals(200, r.requests(), 2);
        assertEquals(2000, r.units(), 20);
        assertTrue(r.firstErrors().get(0).contains("boom"));
    }
}
