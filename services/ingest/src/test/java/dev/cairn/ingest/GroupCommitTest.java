package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.json;
import static dev.cairn.ingest.IngestFixtures.order;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;

import dev.cairn.ingest.service.ConsentGate;
import dev.cairn.ingest.service.Deduplicator;
import dev.cairn.ingest.service.EventIngestor;
import dev.cairn.ingest.service.IngestConfig;
import dev.cairn.ingest.service.IngestItem;
import dev.cairn.ingest.service.IngestMetrics;
import dev.cairn.ingest.service.IngestRequest;
import dev.cairn.ingest.service.PiiPolicy;
import dev.cairn.ingest.service.RateLimits;
import dev.cairn.ingest.service.RecentLinks;
import dev.cairn.ingest.service.SourceGrants;
import dev.cairn.ingest.service.SourceRegistry;
import dev.cairn.ingest.service.TrackingPlan;
import dev.cairn.ingest.service.TransactionalPublisher;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.grpc.DependencyUnavailableException;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TopicReader;

/**
 * Group commit against the real broker and Redis: concurrent requests share one transaction, and when that
 * transaction aborts every request in it fails and none of their records is visible to read_committed consumers.
 * The transactions here close when they hold the records of every request of the test ({@code maxRecords}), never
 * on a timer: {@code maxWait} is the longest allowed only so that a slow machine cannot split them.
 */
@QuarkusTest
class GroupCommitTest {

    /** The longest wait allowed: the transactions below close when full, long before it. */
    private static final Duration UNTIL_FULL = Duration.ofSeconds(10);

    @Inject
    SourceRegistry sources;
    @Inject
    TrackingPlan plan;
    @Inject
    PiiPolicy pii;
    @Inject
    ConsentStateView consent;
    @Inject
    Redis redis;
    @Inject
    IngestConfig config;

    private static TransactionalPublisher publisher(String instance, int maxRecords, Map<String, String> extra) {
        return new TransactionalPublisher(RealInfra.kafka().clientConfig("ingest", Map.of()), instance, 1,
                Duration.ofMinutes(2), new TransactionalPublisher.GroupCommit(UNTIL_FULL, maxRecords, 64 << 20),
                extra);
    }

    private static TransactionalPublisher.Record raw(String marker, String messageId) {
        return new TransactionalPublisher.Record(EventIngestor.RAW_TOPIC, marker,
                Event.newBuilder().setMessageId(messageId).build().toByteArray());
    }

    /**
     * Subscribes to every call at once and waits for each outcome: its item ("ok" for none), or its failure,
     * returned rather than thrown.
     */
    private static List<Object> concurrently(List<Uni<?>> calls) {
        List<CompletableFuture<Object>> outcomes = calls.stream()
                .map(u -> u.<Object>map(x -> x == null ? "ok" : x).onFailure().recoverWithItem(e -> e)
                        .subscribeAsCompletionStage())
                .toList();
        return outcomes.stream().map(f -> f.orTimeout(3, java.util.concurrent.TimeUnit.MINUTES).join()).toList();
    }

    private static List<String> rawMessageIds(String marker, Duration wait) {
        return TopicReader.read(EventIngestor.RAW_TOPIC, r -> r.key() != null && marker.equals(new String(r.key())),
                Integer.MAX_VALUE, wait).stream().map(r -> IngestFixtures.event(r).getMessageId()).toList();
    }

    @Test
    void requests_arriving_together_share_one_transaction_and_each_is_answered_after_its_commit() {
        String marker = id("group");
        try (TransactionalPublisher publisher = publisher("group-commit-shared", 3, Map.of())) {
            List<Object> outcomes = concurrently(List.of(publisher.publish(List.of(raw(marker, marker + "-a"))),
                    publisher.publish(List.of(raw(marker, marker + "-b"))),
                    publisher.publish(List.of(raw(marker, marker + "-c")))));
            assertEquals(List.of("ok", "ok", "ok"), outcomes);
            assertEquals(new TransactionalPublisher.Stats(1, 3, 3, 1), publisher.stats(),
                    "three requests, one committed transaction");
        }
        // Answered after the commit: a read_committed consumer sees every record already.
        List<String> stored = rawMessageIds(marker, Duration.ofSeconds(10));
        assertEquals(Set.of(marker + "-a", marker + "-b", marker + "-c"), Set.copyOf(stored));
        assertEquals(3, stored.size(), "each record once");
    }

    @Test
    void an_aborted_shared_transaction_fails_every_request_in_it_and_leaves_nothing_visible() {
        String marker = id("abort");
        // The producer refuses a record over 10 kB: the middle request's dooms the shared transaction.
        try (TransactionalPublisher publisher = publisher("group-commit-abort", 3,
                Map.of("max.request.size", "10000"))) {
            byte[] tooLarge = new byte[20_000];
            new java.util.Random(11).nextBytes(tooLarge);
            List<Object> outcomes = concurrently(List.of(publisher.publish(List.of(raw(marker, marker + "-a"))),
                    publisher.publish(
                            List.of(new TransactionalPublisher.Record(EventIngestor.RAW_TOPIC, marker, tooLarge))),
                    publisher.publish(List.of(raw(marker, marker + "-c")))));
            for (Object outcome : outcomes) {
                assertInstanceOf(DependencyUnavailableException.class, outcome, "every request of it fails");
                assertTrue(!(outcome instanceof TransactionalPublisher.CommitOutcomeUnknownException),
                        "an abort is known, not an unknown outcome: " + outcome);
            }
            assertEquals(new TransactionalPublisher.Stats(1, 3, 3, 0), publisher.stats(),
                    "the three requests were in one transaction, which did not commit");
            // The producer is usable again after the abort.
            publisher.publish(List.of(raw(marker, marker + "-after"))).await().atMost(Duration.ofMinutes(2));
        }
        // Read past the aborted transaction up to the one after it: only the latter's record is visible.
        assertEquals(List.of(marker + "-after"), rawMessageIds(marker, Duration.ofSeconds(8)));
    }

    private EventIngestor ingestor(TransactionalPublisher publisher) {
        return new EventIngestor(sources, plan, pii, new ConsentGate(consent),
                new Deduplicator(redis, config.dedupWindow(), config.dedupInFlight()),
                new RecentLinks(config.links().recentWindow(), config.links().recentMax()), publisher, new RateLimits(),
                new IngestMetrics(new SimpleMeterRegistry(), plan), config);
    }

    private static Uni<List<EventResult>> ingest(EventIngestor ingestor, List<EventInput> events) {
        return ingestor.ingest(new IngestRequest("backend", events.stream().map(IngestItem::ofGrpc).toList(),
                Optional.empty(), false, "grpc",
                SourceGrants.ofClaim(IngestFixtures.SOURCES_CLAIM, List.of("backend"))));
    }

    /** Five orders of one user; with {@code padding}, the third carries a property of that many characters. */
    private static List<EventInput> orders(int padding) {
        String user = id("user");
        List<EventInput> events = new ArrayList<>(
                IntStream.range(0, 5).mapToObj(i -> order(id("gc"), user)).toList());
        if (padding > 0) {
            events.set(2, events.get(2).toBuilder()
                    .setProperties(json("{\"order_id\": 1, \"total\": 1.5, \"currency\": \"EUR\", \"note\": \""
                            + "x".repeat(padding) + "\"}"))
                    .build());
        }
        return events;
    }

    @Test
    void every_request_of_an_aborted_shared_transaction_is_answered_retry_and_none_of_its_events_is_stored() {
        int padding = 12_000;
        // How many records each request makes: the same shapes through a publisher that commits each alone.
        long recordsSmall;
        long recordsPadded;
        try (TransactionalPublisher probe = new TransactionalPublisher(
                RealInfra.kafka().clientConfig("ingest", Map.of()), "group-commit-probe", 1, Duration.ofMinutes(2),
                new TransactionalPublisher.GroupCommit(Duration.ZERO, 1, 1), Map.of())) {
            EventIngestor probing = ingestor(probe);
            ingest(probing, orders(0)).await().atMost(Duration.ofMinutes(2));
            recordsSmall = probe.stats().records();
            ingest(probing, orders(padding)).await().atMost(Duration.ofMinutes(2));
            recordsPadded = probe.stats().records() - recordsSmall;
        }
        List<EventInput> small = orders(0);
        List<EventInput> padded = orders(padding);
        Set<String> ids = java.util.stream.Stream.concat(small.stream(), padded.stream()).map(EventInput::getMessageId)
                .collect(Collectors.toSet());
        // A record over 10 kB is refused by the producer: the padded event's dooms the transaction both share.
        try (TransactionalPublisher failing = publisher("group-commit-ingest-abort",
                (int) (recordsSmall + recordsPadded), Map.of("max.request.size", "10000"))) {
            EventIngestor ingestor = ingestor(failing);
            List<Object> answers = concurrently(List.of(ingest(ingestor, small), ingest(ingestor, padded)));
            for (Object answer : answers) {
                @SuppressWarnings("unchecked")
                List<EventResult> results = (List<EventResult>) answer;
                assertEquals(5, results.size());
                assertTrue(results.stream().allMatch(r -> r.getOutcome() == EventOutcome.EVENT_OUTCOME_RETRY),
                        "every event of both requests is RETRY: " + results);
            }
            assertEquals(new TransactionalPublisher.Stats(1, 2, recordsSmall + recordsPadded, 0), failing.stats(),
                    "both requests were in the one aborted transaction");
        }
        // Nothing of either request is visible; their dedup reservations were released, so the client's retry
        // through a healthy instance stores every event, once.
        assertEquals(List.of(), IngestFixtures.governed(e -> ids.contains(e.getMessageId()), 1, Duration.ofSeconds(6)),
                "nothing of the aborted transaction is on the governed topic");
        try (TransactionalPublisher healthy = publisher("group-commit-ingest-retry",
                (int) (recordsSmall + recordsPadded), Map.of())) {
            EventIngestor ingestor = ingestor(healthy);
            List<Object> answers = concurrently(List.of(ingest(ingestor, small), ingest(ingestor, padded)));
            for (Object answer : answers) {
                @SuppressWarnings("unchecked")
                List<EventResult> results = (List<EventResult>) answer;
                assertTrue(results.stream().allMatch(r -> r.getOutcome() == EventOutcome.EVENT_OUTCOME_ACCEPTED),
                        "the retry is stored: " + results);
            }
        }
        List<Event> stored = IngestFixtures.governed(e -> ids.contains(e.getMessageId()), ids.size() + 1,
                Duration.ofSeconds(10));
        assertEquals(ids, stored.stream().map(Event::getMessageId).collect(Collectors.toSet()));
        assertEquals(ids.size(), stored.size(), "each event once");
    }
}
