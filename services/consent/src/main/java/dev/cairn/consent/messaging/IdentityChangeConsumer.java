package dev.cairn.consent.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.google.protobuf.InvalidProtocolBufferException;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.service.StateRepublisher;
import dev.cairn.consent.store.IdentityChangeApplier;
import dev.cairn.platform.kafka.DeadLetters;
import dev.cairn.platform.kafka.DeadLetters.Letter;
import dev.cairn.proto.events.v1.IdentityChange;

/**
 * Consent follows identity: applies {@code cairn.identity.changes.v1} to the identifier-to-profile table and
 * republishes the state of every identifier of each profile that linked, merged or split.
 * <p>
 * A change that can never be applied (unparsable, refused by PostgreSQL) goes to
 * {@code cairn.dead-letters.consent-identity-changes.v1} with its reason and the consumer carries on; PostgreSQL or
 * Kafka away holds the partition until they are back ({@link DeadLetters#process}).
 */
@ApplicationScoped
public class IdentityChangeConsumer {

    /** This consumer in dead-letter topic names and in {@code cairn_dead_letters_total}. */
    public static final String CONSUMER = "consent-identity-changes";

    @Inject
    IdentityChangeApplier applier;

    @Inject
    StateRepublisher republisher;

    @Inject
    MeterRegistry metrics;

    @Inject
    DeadLetters deadLetters;

    @Incoming("identity-changes")
    @ActivateRequestContext
    public Uni<Void> onChange(ConsumerRecord<byte[], byte[]> record) {
        Letter letter = Letter.of(record);
        return deadLetters.process(CONSUMER, letter, () -> apply(letter.value())).replaceWithVoid();
    }

    /** The change's kind once applied, never null ({@link DeadLetters#process} wraps it). */
    private Uni<String> apply(byte[] value) {
        IdentityChange change;
        try {
            if (value == null) {
                throw new InvalidProtocolBufferException("a null value (tombstone) is not an IdentityChange");
            }
            change = IdentityChange.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            return Uni.createFrom().failure(e);
        }
        String kind = change.getKind().name();
        return Panache.withTransaction(() -> applier.apply(change)).flatMap(republisher::republish)
                .invoke(() -> metrics.counter("cairn.consent.identity_changes", "result", "applied", "kind", kind)
                        .increment())
                .replaceWith(kind);
    }
}
