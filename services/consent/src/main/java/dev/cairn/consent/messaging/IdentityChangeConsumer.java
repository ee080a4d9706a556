package dev.cairn.consent.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.service.IdentityFollower;
import dev.cairn.platform.kafka.DeadLetterReason;
import dev.cairn.platform.kafka.DeadLetters;
import dev.cairn.platform.kafka.DeadLetters.Letter;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * Consent follows identity: consumes {@code cairn.identity.changes.v1} a poll at a time, applies the poll's
 * changes in order to the identifier-to-profile table in one transaction, then republishes the state of every
 * identifier they affected, once per poll ({@link IdentityFollower}). The offsets are committed only after that
 * completes; applying a change again is harmless (rows keep the newest sequence).
 * <p>
 * As identity's own consumer does: an unparsable record goes to
 * {@code cairn.dead-letters.consent-identity-changes.v1} at once and the others are applied; a poll PostgreSQL
 * refuses for good is applied again in halves, each in its own transaction and in order, down to the one record at
 * fault, which is dead-lettered alone; PostgreSQL or Kafka away retries the poll as it is, with backoff, for as
 * long as that lasts.
 */
@ApplicationScoped
public class IdentityChangeConsumer {

    /** This consumer in dead-letter topic names and in {@code cairn_dead_letters_total}. */
    public static final String CONSUMER = "consent-identity-changes";

    private static final Logger LOG = Logger.getLogger(IdentityChangeConsumer.class);
    /** Looked up once per kind, not per change: a registry lookup builds and hashes the meter's id. */
    private final Map<IdentityChangeKind, Counter> appliedByKind = new ConcurrentHashMap<>();

    /** A record of the poll with its parsed change. */
    private record Pending(Letter letter, IdentityChange change) {
    }

    @Inject
    IdentityFollower follower;

    @Inject
    MeterRegistry metrics;

    @Inject
    DeadLetters deadLetters;

    @Incoming("identity-changes")
    public Uni<Void> consume(ConsumerRecords<byte[], byte[]> records) {
        List<Pending> batch = new ArrayList<>(records.count());
        List<Uni<Void>> unparsable = new ArrayList<>();
        // Records come partition by partition, each in offset order: applying them in this order keeps every
        // partition's (space's) order.
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Letter letter = Letter.of(record);
            try {
                if (record.value() == null) {
                    throw new InvalidProtocolBufferException("a null value (tombstone) is not an IdentityChange");
                }
                batch.add(new Pending(letter, IdentityChange.parseFrom(record.value())));
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
        return setAside.chain(() -> follow(batch));
    }

    /** Applies the poll in one transaction, or in halves down to the record at fault (see processInHalves). */
    private Uni<Void> follow(List<Pending> batch) {
        return deadLetters.processInHalves(CONSUMER, "identity changes", batch, Pending::letter,
                part -> follower.follow(part.stream().map(Pending::change).toList()).invoke(() -> counted(part))
                        .replaceWith(List.<Void>of()))
                .replaceWithVoid();
    }

    private void counted(List<Pending> applied) {
        for (Pending p : applied) {
            appliedByKind.computeIfAbsent(p.change().getKind(), kind -> metrics.counter(
                    "cairn.consent.identity_changes", "result", "applied", "kind", kind.name())).increment();
        }
    }
}
