package dev.cairn.consent.messaging;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.service.ConsentLedger;
import dev.cairn.consent.service.SignalRecords;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.platform.kafka.DeadLetterReason;
import dev.cairn.platform.kafka.DeadLetters;
import dev.cairn.platform.kafka.DeadLetters.Letter;
import dev.cairn.platform.kafka.UnprocessableRecordException;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.events.v1.ConsentSignal;

/**
 * Records the consent that ingest captured from events ({@code cairn.consent.signals.v1}). Idempotent: each
 * record's client_record_id is derived from the event's source and messageId, so a redelivered signal is recorded
 * once.
 * <p>
 * A signal that can never be recorded (unparsable, refused by the policy, refused by PostgreSQL) goes to
 * {@code cairn.dead-letters.consent-signals.v1} with its reason and the consumer carries on; a failure a retry can
 * cure (PostgreSQL away) holds the partition until it passes ({@link DeadLetters#process}). Nothing is skipped
 * unrecorded, and nothing fails the channel: a failed message would stop it for good.
 */
@ApplicationScoped
public class ConsentSignalConsumer {

    /** This consumer in dead-letter topic names and in {@code cairn_dead_letters_total}. */
    public static final String CONSUMER = "consent-signals";

    private static final Logger LOG = Logger.getLogger(ConsentSignalConsumer.class);

    @Inject
    ConsentLedger ledger;

    @Inject
    ConsentPolicy policy;

    @Inject
    MeterRegistry metrics;

    @Inject
    DeadLetters deadLetters;

    @Incoming("consent-signals")
    @ActivateRequestContext
    public Uni<Void> onSignal(ConsumerRecord<byte[], byte[]> record) {
        Letter letter = Letter.of(record);
        return deadLetters.process(CONSUMER, letter, () -> record(letter.value())).replaceWithVoid();
    }

    /** The outcome, never null ({@link DeadLetters#process} wraps it). */
    private Uni<String> record(byte[] value) {
        ConsentSignal signal;
        try {
            if (value == null) {
                throw new InvalidProtocolBufferException("a null value (tombstone) is not a ConsentSignal");
            }
            signal = ConsentSignal.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            return Uni.createFrom().failure(e);
        }
        List<ConsentRecordInput> records = SignalRecords.of(signal, policy);
        if (records.isEmpty()) {
            // Not a bad record: the event carried no choice this policy records (say, GPC where it means nothing).
            LOG.debugf("consent signal %s/%s records nothing", signal.getSourceId(), signal.getMessageId());
            return Uni.createFrom().item(counted("nothing_to_record"));
        }
        String by = "ingest:" + signal.getSourceId() + "/" + signal.getMessageId();
        return Uni.createFrom().deferred(() -> ledger.record(records, by))
                // The policy refuses it (a purpose or jurisdiction it does not know): no retry will change that.
                .onFailure(InvalidRequestException.class)
                .transform(e -> new UnprocessableRecordException(DeadLetterReason.INVALID, e.getMessage(), e))
                .map(ids -> counted("recorded"));
    }

    private String counted(String result) {
        metrics.counter("cairn.consent.signals", "result", result).increment();
        return result;
    }
}
