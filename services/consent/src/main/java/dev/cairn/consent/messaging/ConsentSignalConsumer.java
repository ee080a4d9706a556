package dev.cairn.consent.messaging;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.service.ConsentLedger;
import dev.cairn.consent.service.SignalRecords;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.events.v1.ConsentSignal;

/**
 * Records the consent that ingest captured from events ({@code cairn.consent.signals.v1}). Idempotent: each
 * record's client_record_id is derived from the event's source and messageId, so a redelivered signal is recorded
 * once. A signal that can never be recorded is counted and skipped; an infrastructure failure fails the message so
 * that it is retried rather than lost.
 */
@ApplicationScoped
public class ConsentSignalConsumer {

    private static final Logger LOG = Logger.getLogger(ConsentSignalConsumer.class);

    @Inject
    ConsentLedger ledger;

    @Inject
    ConsentPolicy policy;

    @Inject
    MeterRegistry metrics;

    @Incoming("consent-signals")
    @ActivateRequestContext
    public Uni<Void> onSignal(byte[] value) {
        ConsentSignal signal;
        try {
            signal = ConsentSignal.parseFrom(value);
        } catch (Exception e) {
            return skipped("unreadable", e.getMessage());
        }
        List<ConsentRecordInput> records = SignalRecords.of(signal, policy);
        if (records.isEmpty()) {
            return skipped("nothing_to_record", signal.getSourceId() + "/" + signal.getMessageId());
        }
        String by = "ingest:" + signal.getSourceId() + "/" + signal.getMessageId();
        return Uni.createFrom().deferred(() -> ledger.record(records, by))
                .invoke(ids -> metrics.counter("cairn.consent.signals", "result", "recorded").increment())
                .onFailure(InvalidRequestException.class)
                .recoverWithItem(e -> {
                    skipped("invalid", e.getMessage());
                    return List.of();
                }).replaceWithVoid();
    }

    private Uni<Void> skipped(String why, String detail) {
        LOG.warnf("consent signal skipped (%s): %s", why, detail);
        metrics.counter("cairn.consent.signals", "result", why).increment();
        return Uni.createFrom().voidItem();
    }
}
