package dev.cairn.platform.consent;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.cairn.platform.CairnConfig;
import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.kafka.KafkaClients;

/**
 * CDI wiring: the {@link ConsentPolicy} of the contracts, and, when {@code cairn.consent-view.enabled=true}, one
 * {@link ConsentStateView} per service started at boot (readiness waits for it: {@link ConsentViewReadiness}),
 * with its lag as gauges: {@code cairn.consent.view.lag.records} and {@code cairn.consent.view.lag.seconds}, and the
 * records it skipped as unreadable as a counter: {@code cairn.consent.view.unreadable}.
 */
@ApplicationScoped
public class ConsentViewProducer {

    private static final Logger LOG = Logger.getLogger(ConsentViewProducer.class);

    @Inject
    CairnConfig cairn;

    @Inject
    ConsentViewConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    KafkaClients kafka;

    private volatile ConsentStateView view;

    @Produces
    @Singleton
    ConsentPolicy policy() {
        return ConsentPolicy.load(ContractSource.of(cairn.contractsDir()));
    }

    @Produces
    @Singleton
    ConsentStateView view(ConsentPolicy policy) {
        if (!config.enabled()) {
            throw new IllegalStateException(
                    "the consent view is off: set cairn.consent-view.enabled=true in the service's configuration");
        }
        return started(policy);
    }

    private synchronized ConsentStateView started(ConsentPolicy policy) {
        if (view == null) {
            String key = config.suppressionKey().filter(k -> !k.isBlank())
                    .orElseThrow(() -> new IllegalStateException("cairn.consent-view.suppression-key is not set: "
                            + "set CAIRN_SUPPRESSION_KEY to the secret consent hashes erased identifiers with"));
            if (config.maxLagTime().compareTo(config.lagCheckInterval().multipliedBy(2)) < 0) {
                // A view that keeps up shows up to one interval of time lag: a bound this tight would flap.
                throw new IllegalStateException("cairn.consent-view.max-lag-time (" + config.maxLagTime()
                        + ") must be at least twice cairn.consent-view.lag-check-interval ("
                        + config.lagCheckInterval() + ")");
            }
            ConsentStateView started = new ConsentStateView(policy, kafka.config(Map.of()), config.topic(),
                    Optional.of(new ConsentStateView.Suppression(config.suppressionTopic(), key)),
                    config.lagCheckInterval());
            Gauge.builder("cairn.consent.view.lag.records", started, v -> v.lag().records())
                    .tag("topic", config.topic())
                    .description("State and suppression records the consent view has not applied yet")
                    .register(registry);
            Gauge.builder("cairn.consent.view.lag.seconds", started, v -> v.lag().time().toMillis() / 1000.0)
                    .tag("topic", config.topic())
                    .description("How long ago the newest end offsets the consent view has reached were read")
                    .register(registry);
            // An unreadable record is skipped, never silently: this counts them (and each is logged).
            FunctionCounter.builder("cairn.consent.view.unreadable", started, ConsentStateView::unreadableRecords)
                    .tag("topic", config.topic())
                    .description("Records of the state and suppression topics the consent view could not read "
                            + "and skipped")
                    .register(registry);
            started.start();
            view = started;
        }
        return view;
    }

    /** The view, if enabled and started; the readiness check uses it without forcing a start. */
    ConsentStateView current() {
        return view;
    }

    void onStart(@Observes StartupEvent event, Instance<ConsentPolicy> policy) {
        // Instance: services with the view off never load the consent policy at start.
        if (config.enabled()) {
            ConsentStateView v = started(policy.get());
            if (!config.startWait().isZero() && !config.startWait().isNegative()) {
                try {
                    if (!v.awaitCaughtUp(config.startWait())) {
                        LOG.warnf("the consent view has not caught up with %s within %s; starting anyway (not ready)",
                                config.topic(), config.startWait());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        ConsentStateView v = view;
        if (v != null) {
            v.close();
        }
    }
}
