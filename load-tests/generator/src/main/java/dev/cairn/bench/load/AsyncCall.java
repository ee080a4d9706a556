package dev.cairn.bench.load;

import java.util.concurrent.CompletionStage;

/**
 * One request of a scenario, sent asynchronously. The stage completes when the answer arrived; it completes
 * exceptionally when the answer is an error (a failed RPC, a non-2xx HTTP status, an event not accepted).
 * A {@link Number} result counts that many units (events of a batch); anything else counts one.
 */
@FunctionalInterface
public interface AsyncCall {

    CompletionStage<?> send(long sequence);
}
