package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.order;
import static dev.cairn.ingest.IngestFixtures.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.redis.client.Redis;

import dev.cairn.ingest.service.DedupRecovery;
import dev.cairn.ingest.service.Deduplicator;
import dev.cairn.ingest.service.EventIngestor;
import dev.cairn.ingest.service.IngestConfig;
import dev.cairn.ingest.service.TransactionalPublisher;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.testsupport.RealInfra;

/**
 * Faults finding F1: a process killed after its transaction committed and before it marked the events done left
 * them in flight, so the client's retries were answered RETRY for a minute and then stored a second time. Here the
 * dead process is played step by step on the real broker and Redis: it reserved ten events, committed five of them
 * to the raw topic, and its transaction of the other five aborted. Recovery (what a start runs) must turn the five
 * stored ones into DUPLICATE and leave the five lost ones in flight, to be stored once when their retry comes.
 */
@QuarkusTest
class DedupRecoveryTest {

    @Inject
    Redis redis;

    @Inject
    IngestConfig config;

    @Inject
    DedupRecovery recovery;

    @Test
    void events_a_crashed_process_committed_but_never_confirmed_are_answered_duplicate_after_recovery() {
        String user = id("crash");
        List<EventInput> events = IntStream.range(0, 10).mapToObj(i -> order(id("f1"), user)).toList();
        List<String> ids = events.stream().map(EventInput::getMessageId).toList();
        Deduplicator dedup = new Deduplicator(redis, config.dedupWindow(), config.dedupInFlight());
        // The dead process's reservations, under its own request token.
        assertEquals(List.of(Deduplicator.Claim.NEW),
                dedup.reserve("backend", ids, "the-dead-request").await().atMost(Duration.ofSeconds(10)).stream()
                        .distinct().toList(),
                "all ten reserved as new");
        try (TransactionalPublisher dead = new TransactionalPublisher(
                RealInfra.kafka().clientConfig("ingest", Map.of()), "dedup-recovery-dead", 1, Duration.ofSeconds(5),
                IngestGuaranteesTest.GROUP_COMMIT, Map.of("max.request.size", "4000000"))) {
            dead.publish(raw(ids.subList(0, 5), null)).await().atMost(Duration.ofSeconds(30));
            byte[] oversized = new byte[2_000_000];
            new Random(11).nextBytes(oversized);
            boolean aborted;
            try {
                dead.publish(raw(ids.subList(5, 10), oversized)).await().atMost(Duration.ofSeconds(60));
                aborted = false;
            } catch (RuntimeException e) {
                aborted = true;
            }
            assertTrue(aborted, "the second transaction aborts (a record larger than the broker takes)");
        }

        assertEquals(List.of(EventOutcome.EVENT_OUTCOME_RETRY), outcomes(send("backend", events)).stream().distinct()
                .toList(), "before recovery every retry finds its event in flight");

        DedupRecovery.Outcome outcome = recovery.recover();
        assertTrue(outcome.marked() >= 5, "the five committed events were marked: " + outcome);

        List<EventOutcome> after = outcomes(send("backend", events));
        assertEquals(List.of(EventOutcome.EVENT_OUTCOME_DUPLICATE), after.subList(0, 5).stream().distinct().toList(),
                "a stored event's retry is a duplicate, not stored again: " + after);
        assertEquals(List.of(EventOutcome.EVENT_OUTCOME_RETRY), after.subList(5, 10).stream().distinct().toList(),
                "an event whose transaction aborted stays in flight, to be stored once later: " + after);
    }

    private static List<TransactionalPublisher.Record> raw(List<String> messageIds, byte[] poison) {
        List<TransactionalPublisher.Record> records = new ArrayList<>();
        for (String id : messageIds) {
            records.add(new TransactionalPublisher.Record(EventIngestor.RAW_TOPIC, id,
                    Event.newBuilder().setSourceId("backend").setMessageId(id).build().toByteArray()));
        }
        if (poison != null) {
            records.add(1, new TransactionalPublisher.Record(EventIngestor.RAW_TOPIC, "poison", poison));
        }
        return records;
    }

    private static List<EventOutcome> outcomes(dev.cairn.proto.ingest.v1.IngestBatchResponse response) {
        return response.getResultsList().stream().map(EventResult::getOutcome).toList();
    }
}
