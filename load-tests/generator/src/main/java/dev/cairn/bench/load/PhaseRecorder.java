package dev.cairn.bench.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** Shared bookkeeping of the open and the closed loop: a thread-safe HdrHistogram recorder and counters. */
final class PhaseRecorder {

    /** Latencies above a minute are clamped: nothing in a scenario should take that long. */
    static final long MAX_MICROS = 60_000_000L;

    private final Recorder recorder = new Recorder(MAX_MICROS, 3);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong units = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong backpressure = new AtomicLong();
    private final List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());

    void record(long latencyNanos, Object result, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure;
            if (cause instanceof Backpressure) {
                backpressure.incrementAndGet();
            } else {
                errors.incrementAndGet();
                if (firstErrors.size() < 5) {
                    firstErrors.add(String.valueOf(cause));
                }
            }
            return;
        }
        recorder.recordValue(Math.min(MAX_MICROS, Math.max(0, latencyNanos / 1000)));
        requests.incrementAndGet();
        units.addAndGet(result instanceof Number n ? n.longValue() : 1);
    }

    LoadResult result(String mode, double offered, int concurrency, double seconds) {
        Histogram h = recorder.getIntervalHistogram();
        long r = requests.get();
        long u = units.get();
        return new LoadResult(mode, offered, concurrency, seconds, r, u, errors.get(), backpressure.get(),
                r / seconds, u / seconds, h, List.copyOf(firstErrors));
    }

}
