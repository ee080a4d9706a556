package dev.cairn.consent.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.service.StateRepublisher;
import dev.cairn.consent.store.IdentityChangeApplier;
import dev.cairn.proto.events.v1.IdentityChange;

/**
 * Consent follows identity: applies {@code cairn.identity.changes.v1} to the identifier-to-profile table and
 * republishes the state of every identifier of each profile that linked, merged or split.
 */
@ApplicationScoped
public class IdentityChangeConsumer {

    private static final Logger LOG = Logger.getLogger(IdentityChangeConsumer.class);

    @Inject
    IdentityChangeApplier applier;

    @Inject
    StateRepublisher republisher;

    @Inject
    MeterRegistry metrics;

    @Incoming("identity-changes")
    @ActivateRequestContext
    public Uni<Void> onChange(byte[] value) {
        IdentityChange change;
        try {
            change = IdentityChange.parseFrom(value);
        } catch (Exception e) {
            LOG.warnf("unreadable identity change skipped: %s", e.getMessage());
            metrics.counter("cairn.consent.identity_changes", "result", "unreadable").increment();
            return Uni.createFrom().voidItem();
        }
        IdentityChange c = change;
        return Panache.withTransaction(() -> applier.apply(c)).flatMap(republisher::republish)
                .invoke(() -> metrics.counter("cairn.consent.identity_changes", "result", "applied", "kind",
                        c.getKind().name()).increment());
    }
}
