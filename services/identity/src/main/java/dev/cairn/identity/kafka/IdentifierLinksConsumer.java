package dev.cairn.identity.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import io.smallrye.mutiny.Uni;

import dev.cairn.identity.config.IdentityConfig;
import dev.cairn.identity.repository.EntryIdentifiers;
import dev.cairn.identity.repository.LogEntry;
import dev.cairn.identity.service.IdentityLinker;
import dev.cairn.identity.service.IdentityLinker.Linked;
import dev.cairn.identity.service.IdentityLinker.Outcome;
import dev.cairn.identity.service.IdentityMetrics;
import dev.cairn.identity.service.LogOutbox;
import dev.cairn.platform.kafka.DeadLetterReason;
import dev.cairn.platform.kafka.DeadLetters;
import dev.cairn.platform.kafka.DeadLetters.Letter;
import dev.cairn.proto.events.v1.IdentifierLinks;

/**
 * Consumes {@code cairn.identity.links.v1} a poll at a time: the poll's records are decided as a set, in order,
 * and appended to the log in one transaction ({@link IdentityLinker}: a handful of statements per poll, whatever
 * its size), then the outbox is asked to apply them to Redis and publish them. The offsets are committed only after the log commit, and a
 * redelivered record is recognised by its source and messageId, so nothing is lost or applied twice.
 * <p>
 * A poll whose transaction fails for good (PostgreSQL refused a row) is decided again in halves, each half in
 * its own transaction and in order, down to the one record at fault, which goes to
 * {@code cairn.dead-letters.identity-links.v1}: one bad record costs a few extra transactions, not the poll
 * and every poll after it. A failure a retry can cure (PostgreSQL away) retries the poll as it is.
 */
@ApplicationScoped
public class IdentifierLinksConsumer {

    /** This consumer in dead-letter topic names and in {@code cairn_dead_letters_total}. */
    public static final String CONSUMER = "identity-links";

    private static final Logger LOG = Logger.getLogger(IdentifierLinksConsumer.class);

    /** A record of the poll with its parsed links. */
    private record Pending(Letter letter, IdentifierLinks links) {
    }

    /** Polls sent straight to the lock after one that changed the graph. */
    private static final int SNAPSHOTS_SKIPPED_AFTER_A_CHANGE = 8;

    private final AtomicInteger snapshotsToSkip = new AtomicInteger();

    @Inject
    IdentityConfig config;

    @Inject
    IdentityLinker linker;

    @Inject
    LogOutbox outbox;

    @Inject
    IdentityMetrics metrics;

    @Inject
    DeadLetters deadLetters;

    @Incoming("identity-links")
    public Uni<Void> consume(ConsumerRecords<byte[], byte[]> records) {
        List<Pending> batch = new ArrayList<>(records.count());
        List<Uni<Void>> unparsable = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Letter letter = Letter.of(record);
            try {
                if (record.value() == null) {
                    throw new InvalidProtocolBufferException("a null value (tombstone) is not an IdentifierLinks");
                }
                batch.add(new Pending(letter, IdentifierLinks.parseFrom(record.value())));
            } catch (InvalidProtocolBufferException e) {
                unparsable.add(deadLetters.deadLetter(CONSUMER, letter, DeadLetterReason.UNPARSABLE, e));
            }
        }
        Uni<Void> setAside = unparsable.isEmpty()
                ? Uni.createFrom().voidItem()
                : Uni.join().all(unparsable).andFailFast().replaceWithVoid();
        if (batch.isEmpty()) {
            return setAside;
        }
        return setAside.chain(() -> decide(batch))
                .invoke(decided -> decided.forEach(d -> {
                    if (d.outcome() != Outcome.REDELIVERED) {
                        metrics.linked(d.links().getSourceId(), matched(d.entries(), d.links().getIdentifiersCount()));
                    }
                }))
                // Not awaited: the log is committed, so the outbox owns the rest, and one drain pass then carries
                // many polls' entries to Redis and the topic instead of one round per event.
                .invoke(() -> outbox.drainInBackground(config.space()))
                .replaceWithVoid();
    }

    /**
     * Decides the poll in one transaction, or in halves down to the record at fault (see processInHalves). After a
     * poll that changed the graph (fresh people among repeat visitors), the next polls go straight to the space's lock:
     * under mixed traffic nearly every poll changes something, and the snapshot's reads would only be repeated.
     */
    private Uni<List<Linked>> decide(List<Pending> batch) {
        boolean trySnapshot = snapshotsToSkip.getAndUpdate(n -> Math.max(0, n - 1)) == 0;
        return deadLetters.processInHalves(CONSUMER, "links", batch, Pending::letter,
                part -> linker.linkAll(config.space(), part.stream().map(Pending::links).toList(), trySnapshot))
                .invoke(decided -> {
                    if (decided.stream().anyMatch(d -> d.outcome() == Outcome.DECIDED)) {
                        snapshotsToSkip.set(SNAPSHOTS_SKIPPED_AFTER_A_CHANGE);
                    }
                });
    }

    /** An event matched if its identifiers were known already, or joined a profile that existed. */
    private static boolean matched(List<LogEntry> entries, int identifiers) {
        return !(entries.size() == 1 && entries.get(0).kind.endsWith("LINKED")
                && EntryIdentifiers.read(entries.get(0).identifiers).size() == identifiers);
    }
}
