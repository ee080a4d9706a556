package dev.cairn.identity.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;

import dev.cairn.identity.config.IdentityConfig;

/** The recovery pass of the outbox, and the rebuild-on-start command. */
@ApplicationScoped
public class OutboxSchedule {

    @Inject
    LogOutbox outbox;

    @Inject
    IdentityConfig config;

    @Scheduled(every = "${cairn.identity.drain-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, delayed = "3s")
    Uni<Void> drain() {
        return outbox.drainAll();
    }

    void onStart(@Observes StartupEvent start) throws Throwable {
        if (config.rebuildOnStart()) {
            VertxContextSupport.subscribeAndAwait(() -> outbox.rebuild(config.space()));
        } else {
            // A pass now rather than at the schedule's first tick: until one reaches the log's end on a Redis without
            // the loaded marker (new, flushed, or written by a version without it), Resolve answers UNAVAILABLE.
            outbox.drainInBackground(config.space());
        }
    }
}
