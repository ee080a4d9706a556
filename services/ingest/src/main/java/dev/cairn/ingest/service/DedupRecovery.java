package dev.cairn.ingest.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.cairn.proto.events.v1.Event;

/**
 * Closes the window between a Kafka commit and the dedup confirmation (faults finding F1). Ingest marks a request's
 * events done in Redis only after their transaction committed; a process killed in between leaves them reserved as
 * in flight, so a client's retry is answered RETRY until the reservation expires and is then stored a second time.
 * At start, after the publisher's initTransactions has fenced the previous life of this instance (which aborts the
 * transaction it left open, so everything it committed is readable), the raw topic is read back over the
 * reservation's lifetime: every event there is stored, so it is marked done and its retries are answered
 * DUPLICATE. An event whose transaction aborted is not there and stays in flight: its retry is stored once, after
 * the reservation expires, as before. Blocking: run it off the event loop.
 */
public final class DedupRecovery {

    private static final Logger LOG = Logger.getLogger(DedupRecovery.class);
    /** Events marked per Redis round trip batch. */
    private static final int CHUNK = 2_000;
    /** Beyond the reservation's lifetime: clock skew between this host and the brokers' record timestamps. */
    static final Duration SLACK = Duration.ofSeconds(30);

    private final TopicScan scan;
    private final Deduplicator dedup;
    private final Duration inFlight;
    private final Clock clock;

    DedupRecovery(TopicScan scan, Deduplicator dedup, Duration inFlight, Clock clock) {
        this.scan = scan;
        this.dedup = dedup;
        this.inFlight = inFlight;
        this.clock = clock;
    }

    /** What a pass found: raw events read, and those of them that were not marked done yet. */
    public record Outcome(int read, int marked) {
    }

    public Outcome recover() {
        long started = System.nanoTime();
        Instant from = clock.instant().minus(inFlight).minus(SLACK);
        List<Deduplicator.StoredEvent> pending = new ArrayList<>(CHUNK);
        int[] counts = new int[2];
        scan.scan(EventIngestor.RAW_TOPIC, from, record -> {
            try {
                Event e = Event.parseFrom(record.value());
                pending.add(new Deduplicator.StoredEvent(e.getSourceId(), e.getMessageId()));
            } catch (InvalidProtocolBufferException | RuntimeException unreadable) {
                // Only ingest writes raw; a record it cannot read has no dedup key to mark.
                LOG.warnf("raw record %s-%d@%d is unreadable, skipped: %s", record.topic(), record.partition(),
                        record.offset(), unreadable.getMessage());
            }
            if (pending.size() >= CHUNK) {
                flush(pending, counts);
            }
            return true;
        });
        flush(pending, counts);
        Outcome outcome = new Outcome(counts[0], counts[1]);
        LOG.infof("dedup recovery: %d raw events since %s read, %d of them were not marked stored (now they are),"
                + " in %d ms", outcome.read(), from, outcome.marked(), (System.nanoTime() - started) / 1_000_000);
        return outcome;
    }

    private void flush(List<Deduplicator.StoredEvent> pending, int[] counts) {
        if (pending.isEmpty()) {
            return;
        }
        counts[0] += pending.size();
        counts[1] += dedup.markStored(List.copyOf(pending)).await().atMost(Duration.ofSeconds(60));
        pending.clear();
    }
}
