package dev.cairn.platform.consent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready until the consent view has caught up with the state topic (until then it refuses to decide: a
 * half-read view would let through events whose subjects withdrew), nor while it is behind by more than
 * {@code cairn.consent-view.max-lag-records} or {@code max-lag-time}: its answers then miss recent changes, so
 * the instance should be taken out of rotation until it has caught up again. Always up when the view is off.
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
        boolean caughtUp = view != null && view.caughtUp();
        ConsentStateView.Lag lag = view == null ? new ConsentStateView.Lag(0, java.time.Duration.ZERO) : view.lag();
        boolean withinBound = !lag.beyond(config.maxLagRecords(), config.maxLagTime());
        return HealthCheckResponse.named("consent-view").status(caughtUp && withinBound).withData("enabled", true)
                .withData("caughtUp", caughtUp).withData("lagRecords", lag.records())
                .withData("lagMillis", lag.time().toMillis()).withData("withinLagBound", withinBound)
                .withData("subjects", view == null ? 0 : view.size())
                .withData("appliedRecords", view == null ? 0 : view.appliedRecords()).build();
    }
}
