package dev.cairn.identity.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

import dev.cairn.identity.config.IdentityConfig;
import dev.cairn.identity.store.RedisGraph;

/**
 * Not ready while the space's graph in Redis is not known to hold the log (a new or emptied Redis the outbox is
 * replaying into): Resolve answers UNAVAILABLE then, so the instance is out of rotation until the replay is done.
 * Down too when Redis does not answer.
 */
@Readiness
@ApplicationScoped
public class GraphReadiness implements AsyncHealthCheck {

    @Inject
    IdentityConfig config;

    @Inject
    RedisGraph redis;

    @Override
    public Uni<HealthCheckResponse> call() {
        return redis.loaded(config.space())
                .map(loaded -> HealthCheckResponse.named("identity-graph").status(loaded)
                        .withData("space", config.space()).withData("loaded", loaded).build())
                .onFailure().recoverWithItem(t -> HealthCheckResponse.named("identity-graph").down()
                        .withData("space", config.space()).withData("error", String.valueOf(t.getMessage()))
                        .build());
    }
}
