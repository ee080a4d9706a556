package dev.cairn.identity.kafka;

import java.time.Duration;
import java.util.ArrayList;
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
 * Consumes {@code cairn.identity.links.v1} a poll at a time: the poll's records are decided in order and
 * appended to the log in one transaction (one commit per poll, not per event), then the outbox is asked to
 * apply them to Redis and publish them. The offsets are committed only after the log commit, and a
 * redelivered record is recognised by its source and messageId, so nothing is lost or applied twice.
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
    public Uni<Void> consume(List<byte[]> records) {
        List<IdentifierLinks> batch = new ArrayList<>(records.size());
        for (byte[] record : records) {
            try {
                batch.add(IdentifierLinks.parseFrom(record));
            } catch (InvalidProtocolBufferException e) {
                // Not ours to fix and retrying cannot help: the topic's producer is ingest, which would be broken.
                LOG.errorf("skipping a record of cairn.identity.links.v1 that is not an IdentifierLinks: %s",
                        e.getMessage());
            }
        }
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // A failure (PostgreSQL or Redis away) is retried with backoff rather than skipped: skipping would lose
        // a link, and moving past it would decide later links of the same people out of order.
        return ledger.linkAll(config.space(), batch).onFailure().invoke(t -> LOG.warnf(
                "cannot apply the links of %d messages from %s on yet, retrying: %s", batch.size(),
                batch.get(0).getMessageId(), t.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10)).indefinitely()
                .invoke(decided -> decided.forEach(d -> metrics.linked(d.links().getSourceId(),
                        matched(d.entries(), d.links().getIdentifiersCount()))))
                // Not awaited: the log is committed, so the outbox owns the rest, and one drain pass then carries
                // many polls' entries to Redis and the topic instead of one round per event.
                .invoke(() -> outbox.drainInBackground(config.space()))
                .replaceWithVoid();
    }

    /** An event matched if its identifiers were known already, or joined a profile that existed. */
    private static boolean matched(List<LogEntry> entries, int identifiers) {
        return !(entries.size() == 1 && entries.get(0).kind.endsWith("LINKED")
                && EntryIdentifiers.read(entries.get(0).identifiers).size() == identifiers);
    }
}
