package dev.cairn.platform.consent;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.cairn.platform.CairnConfig;
import dev.cairn.platform.contracts.ContractSource;

/**
 * CDI wiring: the {@link ConsentPolicy} of the contracts, and, when {@code cairn.consent-view.enabled=true}, one
 * {@link ConsentStateView} per service started at boot (readiness waits for it: {@link ConsentViewReadiness}).
 */
@ApplicationScoped
public class ConsentViewProducer {

    @Inject
    CairnConfig cairn;

    @Inject
    ConsentViewConfig config;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092")
    String bootstrapServers;

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
            view = new ConsentStateView(policy, bootstrapServers, config.topic(),
                    java.util.Optional.of(new ConsentStateView.Suppression(config.suppressionTopic(), key)), Map.of());
            view.start();
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
            started(policy.get());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        ConsentStateView v = view;
        if (v != null) {
            v.close();
        }
    }
}
