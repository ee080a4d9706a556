package dev.cairn.identity.kafka;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import io.smallrye.mutiny.Uni;

import dev.cairn.identity.config.IdentityConfig;
import dev.cairn.identity.repository.EntryIdentifiers;
import dev.cairn.identity.repository.LogEntry;
import dev.cairn.identity.service.IdentityLedger;
import dev.cairn.identity.service.IdentityMetrics;
import dev.cairn.identity.service.LogOutbox;
import dev.cairn.proto.events.v1.IdentifierLinks;

/**
 * Consumes {@code cairn.identity.links.v1}: each record is decided and appended to the log (one transaction),
 * then the outbox applies it to Redis and publishes it. The offset is committed only after the log commit,
 * and a redelivered record is recognised by its source and messageId, so nothing is lost or applied twice.
 */
@ApplicationScoped
public class IdentifierLinksConsumer {

    private static final Logger LOG = Logger.getLogger(IdentifierLinksConsumer.class);

    @Inject
    IdentityConfig config;

    @Inject
    IdentityLedger ledger;

    @Inject
    LogOutbox outbox;

    @Inject
    IdentityMetrics metrics;

    @Incoming("identity-links")
    public Uni<Void> consume(byte[] record) {
        IdentifierLinks links;
        try {
            links = IdentifierLinks.parseFrom(record);
        } catch (InvalidProtocolBufferException e) {
            // Not ours to fix and retrying cannot help: the topic's producer is ingest, which would be broken.
            LOG.errorf("skipping a record of cairn.identity.links.v1 that is not an IdentifierLinks: %s",
                    e.getMessage());
            return Uni.createFrom().voidItem();
        }
        // A failure (PostgreSQL or Redis away) is retried with backoff rather than skipped: skipping would lose
        // a link, and moving past it would decide later links of the same people out of order.
        return ledger.link(config.space(), links).onFailure().invoke(t -> LOG.warnf(
                "cannot apply links of message %s yet, retrying: %s", links.getMessageId(), t.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10)).indefinitely()
                .invoke(entries -> metrics.linked(links.getSourceId(),
                        matched(entries, links.getIdentifiersCount())))
                .chain(entries -> outbox.drainSoon(config.space()));
    }

    /** An event matched if its identifiers were known already, or joined a profile that existed. */
    private static boolean matched(List<LogEntry> entries, int identifiers) {
        return !(entries.size() == 1 && entries.get(0).kind.endsWith("LINKED")
                && EntryIdentifiers.read(entries.get(0).identifiers).size() == identifiers);
    }
}
