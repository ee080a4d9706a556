package dev.cairn.platform.consent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready until the consent view has caught up with the state topic: a service that decided from a half-read
 * view would let through events whose subjects withdrew. Always up when the view is off.
 */
@Readiness
@ApplicationScoped
public class ConsentViewReadiness implements HealthCheck {

    @Inject
    ConsentViewConfig config;

    @Inject
    ConsentViewProducer producer;

    @Override
    public HealthCheckResponse call() {
        if (!config.enabled()) {
            return HealthCheckResponse.named("consent-view").up().withData("enabled", false).build();
        }
        ConsentStateView view = producer.current();
        boolean ready = view != null && view.caughtUp();
        return HealthCheckResponse.named("consent-view").status(ready).withData("enabled", true)
                .withData("caughtUp", ready).withData("subjects", view == null ? 0 : view.size())
                .withData("appliedRecords", view == null ? 0 : view.appliedRecords()).build();
    }
}
