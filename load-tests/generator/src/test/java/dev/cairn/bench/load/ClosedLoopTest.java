package dev.cairn.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ClosedLoopTest {

    /** 4 in flight against a 10 ms service: about 400 answers per second, never more than 4 outstanding. */
    @Test
    void keepsConcurrencyRequestsInFlightAndMeasuresThroughput() {
        ScheduledExecutorService server = Executors.newScheduledThreadPool(4);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        AsyncCall tenMillis = seq -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<Object> f = new CompletableFuture<>();
            server.schedule(() -> {
                inFlight.decrementAndGet();
                f.complete(1);
            }, 10, TimeUnit.MILLISECONDS);
            return f;
        };
        LoadResult r = ClosedLoop.run(tenMillis, 4, Duration.ofMillis(200), Duration.ofSeconds(1));
        server.shutdownNow();

        assertEquals(4, maxInFlight.get());
        assertTrue(r.requestsPerSecond() > 100 && r.requestsPerSecond() <= 400, "throughput " + r.requestsPerSecond());
        assertTrue(r.percentileMillis(50) >= 10, "service time " + r.percentileMillis(50));
    }

    @Test
    void synchronousAnswersDoNotOverflowTheStack() {
        LoadResult r = ClosedLoop.run(seq -> CompletableFuture.completedFuture(1), 1, Duration.ZERO,
                Duration.ofMillis(300));
        assertTrue(r.requests() > 1_000, "requests " + r.requests());
        assertEquals(0, r.errors());
    }
}
