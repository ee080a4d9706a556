package dev.cairn.ingest.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.google.protobuf.Timestamp;

import io.smallrye.mutiny.Uni;

import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;

/**
 * Walking skeleton of the ingest pipeline: envelope check, then a durable publish to the governed topic.
 * Contracts, dedup, consent and PII policy are the ingest issue's work and are not here yet.
 */
@ApplicationScoped
public class EventIngestor {

    public static final String GOVERNED_TOPIC = "cairn.events.governed.v1";

    @Inject
    DurablePublisher publisher;

    public Uni<List<EventResult>> ingest(IngestRequest request) {
        String sourceId = request.sourceId();
        List<EventInput> events = request.items().stream().map(IngestItem::event).toList();
        List<FieldViolation> problems = new ArrayList<>();
        if (sourceId.isBlank()) {
            problems.add(new FieldViolation("source_id", "required: the source the events come from"));
        }
        if (events.isEmpty()) {
            problems.add(new FieldViolation("events", "at least one event is required"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        Instant receivedAt = Instant.now();
        List<Uni<EventResult>> results = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            results.add(ingestOne(sourceId, i, events.get(i), receivedAt));
        }
        return Uni.join().all(results).andFailFast();
    }

    private Uni<EventResult> ingestOne(String sourceId, int index, EventInput input, Instant receivedAt) {
        String messageId = input.getMessageId().isEmpty() ? UUID.randomUUID().toString() : input.getMessageId();
        String key = !input.getUserId().isEmpty() ? input.getUserId() : input.getAnonymousId();
        if (key.isEmpty()) {
            return Uni.createFrom().item(EventResult.newBuilder().setIndex(index).setMessageId(messageId)
                    .setOutcome(EventOutcome.EVENT_OUTCOME_QUARANTINED)
                    .setReason("userId or anonymousId is required").build());
        }
        Event event = Event.newBuilder().setMessageId(messageId).setType(input.getType()).setEvent(input.getEvent())
                .setUserId(input.getUserId()).setAnonymousId(input.getAnonymousId())
                .setProperties(input.getProperties()).setTraits(input.getTraits()).setContext(input.getContext())
                .setTimestamp(input.hasTimestamp() ? input.getTimestamp() : toTimestamp(receivedAt))
                .setReceivedAt(toTimestamp(receivedAt)).setSourceId(sourceId).build();
        return publisher.publish(GOVERNED_TOPIC, key, event.toByteArray())
                .map(ack -> EventResult.newBuilder().setIndex(index).setMessageId(messageId)
                        .setOutcome(EventOutcome.EVENT_OUTCOME_ACCEPTED).build());
    }

    private static Timestamp toTimestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
