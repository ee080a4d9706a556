package dev.cairn.consent.service;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Brings a result produced on a foreign thread (a gRPC client's, Kafka's) back to the caller's Vert.x context,
 * where Hibernate Reactive sessions must be used.
 */
final class OnContext {

    private OnContext() {
    }

    static <T> Uni<T> resume(Uni<T> uni) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            return context == null ? uni : uni.emitOn(task -> context.runOnContext(ignored -> task.run()));
        });
    }
}
