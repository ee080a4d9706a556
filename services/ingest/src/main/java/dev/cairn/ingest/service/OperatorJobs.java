package dev.cairn.ingest.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.QuarantinedEvent;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.OutcomeCounts;

/**
 * The operators' jobs: re-drive quarantined events through the current contracts after a fix, and replay a
 * time range of raw events through the current policy. Both go through the normal pipeline with the events'
 * own messageIds, so dedup guarantees a re-drive or replay never duplicates what already went through (within
 * the dedup window: past it, consumers must deduplicate by messageId themselves). Blocking: run on a worker.
 */
public final class OperatorJobs {

    public static final int MAX_EVENTS = 10_000;
    private static final int CHUNK = 500;

    private final EventIngestor ingestor;
    private final TopicScan scan;
    private final Function<QuarantinedEvent, Optional<IngestItem>> jsonReader;

    /**
     * @param jsonReader turns a quarantined JSON payload (Segment HTTP API) back into an item; the HTTP layer
     *        owns that format
     */
    public OperatorJobs(EventIngestor ingestor, Map<String, Object> kafkaConfig,
            Function<QuarantinedEvent, Optional<IngestItem>> jsonReader) {
        this.ingestor = ingestor;
        this.scan = new TopicScan(kafkaConfig);
        this.jsonReader = jsonReader;
    }

    public record Redrive(OutcomeCounts counts, List<EventResult> results, boolean truncated) {
    }

    /**
     * Re-drives as the events' own sources, so the caller must be granted them, checked before anything is read: the
     * source asked for, or every source when none is (a re-drive never runs for a part of what was asked).
     */
    public Redrive redrive(String sourceId, Optional<Instant> from, Optional<Instant> to, Set<String> messageIds,
            boolean dryRun, int limit, SourceGrants grants) {
        if (sourceId.isBlank()) {
            ingestor.authorizeEvery(grants);
        } else {
            ingestor.authorize(sourceId, grants);
        }
        int max = limit <= 0 ? MAX_EVENTS : Math.min(limit, MAX_EVENTS);
        Map<String, List<IngestItem>> bySource = new LinkedHashMap<>();
        List<EventResult> unreadable = new ArrayList<>();
        boolean[] truncated = {false};
        int[] matched = {0};
        scan.scan(EventIngestor.QUARANTINE_TOPIC, from.orElse(null), record -> {
            QuarantinedEvent q;
            try {
                q = QuarantinedEvent.parseFrom(record.value());
            } catch (InvalidProtocolBufferException e) {
                return true;
            }
            Instant at = Instant.ofEpochSecond(q.getQuarantinedAt().getSeconds(), q.getQuarantinedAt().getNanos());
            if ((!sourceId.isBlank() && !sourceId.equals(q.getSourceId()))
                    || (!messageIds.isEmpty() && !messageIds.contains(q.getMessageId()))
                    || from.map(at::isBefore).orElse(false) || to.map(t -> !at.isBefore(t)).orElse(false)) {
                return true;
            }
            if (matched[0] >= max) {
                truncated[0] = true;
                return false;
            }
            matched[0]++;
            Optional<IngestItem> item = read(q);
            if (item.isEmpty()) {
                unreadable.add(EventResult.newBuilder().setMessageId(q.getMessageId())
                        .setOutcome(EventOutcome.EVENT_OUTCOME_QUARANTINED)
                        .setReason("the quarantined payload (" + q.getContentType() + ") cannot be read back").build());
            } else {
                bySource.computeIfAbsent(q.getSourceId(), s -> new ArrayList<>()).add(item.get());
            }
            return true;
        });
        List<EventResult> results = new ArrayList<>(unreadable);
        bySource.forEach((source, items) -> results.addAll(run(source, items, dryRun, "redrive", grants)));
        List<EventResult> indexed = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            indexed.add(results.get(i).toBuilder().setIndex(i).build());
        }
        return new Redrive(count(indexed), indexed, truncated[0]);
    }

    /** Replays as the source, so the caller must be granted it, checked before anything is read. */
    public OutcomeCounts replay(String sourceId, Instant from, Instant to, boolean dryRun, SourceGrants grants) {
        List<FieldViolation> problems = new ArrayList<>();
        if (sourceId.isBlank()) {
            problems.add(new FieldViolation("source_id", "required: replays are per source"));
        }
        if (!from.isBefore(to)) {
            problems.add(new FieldViolation("received", "start must be before end"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        ingestor.authorize(sourceId, grants);
        List<EventResult> results = new ArrayList<>();
        List<IngestItem> chunk = new ArrayList<>();
        scan.scan(EventIngestor.RAW_TOPIC, from, record -> {
            Event e;
            try {
                e = Event.parseFrom(record.value());
            } catch (InvalidProtocolBufferException ex) {
                return true;
            }
            Instant received = Instant.ofEpochSecond(e.getReceivedAt().getSeconds(), e.getReceivedAt().getNanos());
            if (!sourceId.equals(e.getSourceId()) || received.isBefore(from) || !received.isBefore(to)) {
                return true;
            }
            chunk.add(IngestItem.ofGrpc(toInput(e)));
            if (chunk.size() >= CHUNK) {
                results.addAll(run(sourceId, List.copyOf(chunk), dryRun, "replay", grants));
                chunk.clear();
            }
            return results.size() < MAX_EVENTS;
        });
        if (!chunk.isEmpty()) {
            results.addAll(run(sourceId, chunk, dryRun, "replay", grants));
        }
        return count(results);
    }

    private List<EventResult> run(String source, List<IngestItem> items, boolean dryRun, String transport,
            SourceGrants grants) {
        List<EventResult> results = new ArrayList<>();
        for (int start = 0; start < items.size(); start += CHUNK) {
            List<IngestItem> part = items.subList(start, Math.min(items.size(), start + CHUNK));
            IngestRequest request = new IngestRequest(source, part, Optional.empty(), false, transport, grants);
            results.addAll(dryRun
                    ? ingestor.check(request)
                    : ingestor.ingest(request).await().atMost(Duration.ofSeconds(60)));
        }
        return results;
    }

    private Optional<IngestItem> read(QuarantinedEvent q) {
        if (q.getContentType().startsWith("application/x-protobuf")) {
            try {
                return Optional.of(IngestItem.ofGrpc(EventInput.parseFrom(q.getPayload())));
            } catch (InvalidProtocolBufferException e) {
                return Optional.empty();
            }
        }
        return jsonReader.apply(q);
    }

    /** A raw event back as the input it was: the pipeline re-derives everything else under the current policy. */
    static EventInput toInput(Event e) {
        EventInput.Builder in = EventInput.newBuilder().setMessageId(e.getMessageId()).setType(e.getType())
                .setEvent(e.getEvent()).setName(e.getName()).setUserId(e.getUserId()).setAnonymousId(e.getAnonymousId())
                .setGroupId(e.getGroupId()).setPreviousId(e.getPreviousId()).setProperties(e.getProperties())
                .setTraits(e.getTraits()).setContext(e.getContext()).setIntegrations(e.getIntegrations());
        // The corrected event time stands: there is no send time to correct against any more.
        if (e.hasTimestamp()) {
            in.setTimestamp(e.getTimestamp());
        }
        return in.build();
    }

    static OutcomeCounts count(List<EventResult> results) {
        OutcomeCounts.Builder c = OutcomeCounts.newBuilder().setTotal(results.size());
        for (EventResult r : results) {
            switch (r.getOutcome()) {
                case EVENT_OUTCOME_ACCEPTED -> c.setAccepted(c.getAccepted() + 1);
                case EVENT_OUTCOME_DUPLICATE -> c.setDuplicate(c.getDuplicate() + 1);
                case EVENT_OUTCOME_QUARANTINED -> c.setQuarantined(c.getQuarantined() + 1);
                case EVENT_OUTCOME_SUPPRESSED_BY_CONSENT -> c.setSuppressedByConsent(c.getSuppressedByConsent() + 1);
                case EVENT_OUTCOME_SUPPRESSED_BY_ERASURE -> c.setSuppressedByErasure(c.getSuppressedByErasure() + 1);
                case EVENT_OUTCOME_RETRY -> c.setRetry(c.getRetry() + 1);
                default -> {
                }
            }
        }
        return c.build();
    }

}
