package dev.cairn.segments.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

import dev.cairn.segments.store.MembershipReader;

/**
 * Not ready while Redis does not hold every Streams task's part of the serving copy (it came back empty and the tasks
 * are rewriting it from their stores, or they have not started): every read RPC answers UNAVAILABLE then, so the
 * instance is out of rotation until the rewrite is done. Down too when Redis or Kafka does not answer.
 */
@Readiness
@ApplicationScoped
public class ServingCopyReadiness implements AsyncHealthCheck {

    static final String NAME = "segments-serving-copy";

    @Inject
    MembershipReader reader;

    @Override
    public Uni<HealthCheckResponse> call() {
        return reader.loaded()
                .map(loaded -> HealthCheckResponse.named(NAME).status(loaded).withData("loaded", loaded).build())
                .onFailure().recoverWithItem(t -> HealthCheckResponse.named(NAME).down()
                        .withData("error", String.valueOf(t.getMessage())).build());
    }
}
