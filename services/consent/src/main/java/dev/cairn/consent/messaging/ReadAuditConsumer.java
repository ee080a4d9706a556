package dev.cairn.consent.messaging;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.google.protobuf.InvalidProtocolBufferException;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

import dev.cairn.consent.store.ReadAuditStore;
import dev.cairn.consent.store.ReadAuditStore.ReadEntry;
import dev.cairn.platform.audit.AuditedReads;
import dev.cairn.platform.kafka.DeadLetterReason;
import dev.cairn.platform.kafka.DeadLetters;
import dev.cairn.platform.kafka.DeadLetters.Letter;
import dev.cairn.platform.kafka.UnprocessableRecordException;
import dev.cairn.proto.events.v1.DataRead;
import dev.cairn.proto.events.v1.SubjectRead;

/**
 * Stores the reads of personal data that identity, segments and consent itself answered
 * ({@code cairn.audit.reads.<service>.v1}) in the append-only audit table, where GetAuditTrail finds them beside
 * consent's own entries. A poll at a time, in one transaction; idempotent by the read's record id.
 * <p>
 * As the other consent consumers: a record that is not a {@code DataRead}, names no subject, or claims to come from
 * another service than the topic it was read from (each topic is writable by its service's principal only) goes to
 * {@code cairn.dead-letters.consent-read-audit.v1}; a poll PostgreSQL refuses for good is stored in halves down to
 * the record at fault; PostgreSQL away holds the partition until it is back.
 */
@ApplicationScoped
public class ReadAuditConsumer {

    /** This consumer in dead-letter topic names and in {@code cairn_dead_letters_total}. */
    public static final String CONSUMER = "consent-read-audit";

    private record Pending(Letter letter, List<ReadEntry> entries) {
    }

    @Inject
    ReadAuditStore store;

    @Inject
    Pool pool;

    @Inject
    MeterRegistry metrics;

    @Inject
    DeadLetters deadLetters;

    @Incoming("read-audit")
    public Uni<Void> consume(ConsumerRecords<byte[], byte[]> records) {
        List<Pending> batch = new ArrayList<>(records.count());
        List<Uni<Void>> setAside = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Letter letter = Letter.of(record);
            try {
                batch.add(new Pending(letter, entries(record.topic(), record.value())));
            } catch (InvalidProtocolBufferException e) {
                setAside.add(deadLetters.deadLetter(CONSUMER, letter, DeadLetterReason.UNPARSABLE, e));
            } catch (UnprocessableRecordException e) {
                setAside.add(deadLetters.deadLetter(CONSUMER, letter, e.reason(), e));
            }
        }
        Uni<Void> done = setAside.isEmpty()
                ? Uni.createFrom().voidItem()
                : Uni.join().all(setAside).andFailFast().replaceWithVoid();
        if (batch.isEmpty()) {
            return done;
        }
        return done.chain(() -> deadLetters.processInHalves(CONSUMER, "read-audit records", batch, Pending::letter,
                part -> pool.withTransaction(conn -> store.append(conn,
                        part.stream().flatMap(p -> p.entries().stream()).toList()))
                        .invoke(() -> metrics.counter("cairn.consent.read_audit.stored").increment(part.size()))
                        .replaceWith(List.<Void>of()))
                .replaceWithVoid());
    }

    /** The rows of one record: one per subject read. */
    static List<ReadEntry> entries(String topic, byte[] value) throws InvalidProtocolBufferException {
        if (value == null) {
            throw new InvalidProtocolBufferException("a null value (tombstone) is not a DataRead");
        }
        DataRead read = DataRead.parseFrom(value);
        if (!topic.equals(AuditedReads.topic(read.getService()))) {
            throw new UnprocessableRecordException(DeadLetterReason.INVALID,
                    "a read by '" + read.getService() + "' on " + topic + ", which only its own service writes");
        }
        if (read.getRecordId().isEmpty() || read.getSubjectsCount() == 0 || read.getAction().isEmpty()) {
            throw new UnprocessableRecordException(DeadLetterReason.INVALID,
                    "a read without a record id, an action or a subject");
        }
        Instant at = Instant.ofEpochSecond(read.getReadAt().getSeconds(), read.getReadAt().getNanos());
        String actor = read.getActorSubject().isEmpty() ? "anonymous" : read.getActorSubject();
        String detail = read.getService() + " " + read.getRpc();
        List<ReadEntry> entries = new ArrayList<>(read.getSubjectsCount());
        for (SubjectRead subject : read.getSubjectsList()) {
            entries.add(new ReadEntry(at, actor, read.getAction(), subject.getSubjectHash(), detail,
                    read.getRecordId(), read.getActorClient(), subject.getPurpose(), read.getDataKindsList()));
        }
        return entries;
    }
}
