package dev.cairn.bench.load;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

final class Calls {

    private Calls() {
    }

    /** A call that throws instead of returning a failed stage is still an error, not a dead load loop. */
    static CompletionStage<?> safely(AsyncCall call, long sequence) {
        try {
            CompletionStage<?> stage = call.send(sequence);
            return stage != null ? stage : CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
