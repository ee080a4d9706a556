package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.governed;
import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.order;
import static dev.cairn.ingest.IngestFixtures.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
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
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.testsupport.RealInfra;
import dev.cairn.testsupport.TopicReader;

/** The durability and dedup guarantees of issue 3, against the real broker and Redis. */
@QuarkusTest
class IngestGuaranteesTest {

    static final TransactionalPublisher.GroupCommit GROUP_COMMIT = new TransactionalPublisher.GroupCommit(
            Duration.ofMillis(3), 10_000, 16 << 20);

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

    @Test
    void every_event_answered_accepted_is_on_the_governed_topic_exactly_once() {
        String user = id("user");
        List<EventInput> events = IntStream.range(0, 50).mapToObj(i -> order(id("acc"), user)).toList();
        var response = send("backend", events);
        assertTrue(
                response.getResultsList().stream().allMatch(r -> r.getOutcome() == EventOutcome.EVENT_OUTCOME_ACCEPTED),
                response.toString());
        Set<String> accepted = response.getResultsList().stream().map(EventResult::getMessageId)
                .collect(Collectors.toSet());
        List<Event> stored = governed(e -> accepted.contains(e.getMessageId()), 50, Duration.ofSeconds(30));
        assertEquals(accepted, stored.stream().map(Event::getMessageId).collect(Collectors.toSet()));
        assertEquals(50, stored.size(), "no event twice");
    }

    @Test
    void a_retried_batch_is_answered_duplicate_and_not_stored_again() {
        String user = id("user");
        List<EventInput> events = List.of(order(id("retry"), user), order(id("retry"), user));
        send("backend", events);
        var again = send("backend", events);
        assertTrue(
                again.getResultsList().stream().allMatch(r -> r.getOutcome() == EventOutcome.EVENT_OUTCOME_DUPLICATE),
                again.toString());
        Set<String> ids = events.stream().map(EventInput::getMessageId).collect(Collectors.toSet());
        // Wait long enough for a wrongly re-sent copy to be visible, then count.
        List<Event> stored = governed(e -> ids.contains(e.getMessageId()), 3, Duration.ofSeconds(8));
        assertEquals(2, stored.size(), "each event once");
    }

    @Test
    void the_same_message_ids_sent_concurrently_to_two_ingest_instances_reach_the_governed_topic_once()
            throws Exception {
        // A second, independent pipeline with its own producers: a second replica sharing Kafka and Redis.
        try (TransactionalPublisher secondPublisher = new TransactionalPublisher(
                RealInfra.kafka().clientConfig("ingest", Map.of()), "guarantees-second", 2, Duration.ofSeconds(5),
                GROUP_COMMIT, Map.of());
                TransactionalPublisher firstPublisher = new TransactionalPublisher(
                        RealInfra.kafka().clientConfig("ingest", Map.of()), "guarantees-first", 2,
                        Duration.ofSeconds(5), GROUP_COMMIT, Map.of())) {
            EventIngestor first = instance(firstPublisher);
            EventIngestor second = instance(secondPublisher);
            String user = id("user");
            List<EventInput> events = IntStream.range(0, 20).mapToObj(i -> order(id("twin"), user)).toList();
            Set<String> ids = events.stream().map(EventInput::getMessageId).collect(Collectors.toSet());
            Map<String, List<EventOutcome>> outcomes = new ConcurrentHashMap<>();
            List<Thread> senders = new ArrayList<>();
            for (EventIngestor instance : List.of(first, second, first, second)) {
                Thread sender = new Thread(() -> retryUntilSettled(instance, events, outcomes));
                sender.start();
                senders.add(sender);
            }
            for (Thread t : senders) {
                t.join(60_000);
            }
            List<Event> stored = governed(e -> ids.contains(e.getMessageId()), ids.size() + 1, Duration.ofSeconds(10));
            assertEquals(ids, stored.stream().map(Event::getMessageId).collect(Collectors.toSet()));
            assertEquals(ids.size(), stored.size(), "every messageId exactly once despite four concurrent senders");
            for (String id : ids) {
                long accepted = outcomes.get(id).stream().filter(o -> o == EventOutcome.EVENT_OUTCOME_ACCEPTED).count();
                assertEquals(1, accepted,
                        id + " was answered ACCEPTED once, DUPLICATE to the others: " + outcomes.get(id));
            }
        }
    }

    @Test
    void a_repeat_visitor_publishes_its_links_once_and_a_failed_transaction_remembers_none() {
        // Two pipelines sharing one memory of published links: one whose producer cannot send anything, so every
        // transaction it begins aborts, and a working one, as the same instance before and after Kafka recovers.
        RecentLinks recent = new RecentLinks(Duration.ofMinutes(10), 1_000);
        String user = id("visitor");
        String anon = "anon-" + user;
        EventInput first = visit(id("first"), user, anon);
        EventInput again = visit(id("again"), user, anon);
        EventInput sameTwiceA = visit(id("twice-a"), user, anon + "-2");
        EventInput sameTwiceB = visit(id("twice-b"), user, anon + "-2");
        EventInput withEmail = visit(id("email"), user, anon).toBuilder()
                .setTraits(IngestFixtures.json("{\"email\": \"" + user + "@shop.test\"}")).build();
        IngestedRecords.Offsets before = IngestedRecords.endOffsets();
        try (TransactionalPublisher broken = new TransactionalPublisher(
                RealInfra.kafka().clientConfig("ingest", Map.of()), "guarantees-links-broken", 1, Duration.ofSeconds(5),
                GROUP_COMMIT, Map.of("max.request.size", "64"));
                TransactionalPublisher working = new TransactionalPublisher(
                        RealInfra.kafka().clientConfig("ingest", Map.of()), "guarantees-links", 1,
                        Duration.ofSeconds(5), GROUP_COMMIT, Map.of())) {
            EventIngestor failing = instance(broken, recent);
            EventIngestor ingestor = instance(working, recent);
            assertEquals(EventOutcome.EVENT_OUTCOME_RETRY, ingest(failing, List.of(first)).get(0).getOutcome(),
                    "nothing of an aborted transaction is stored");
            for (List<EventInput> request : List.of(List.of(first), List.of(again), List.of(sameTwiceA, sameTwiceB),
                    List.of(withEmail))) {
                ingest(ingestor, request).forEach(r -> assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED,
                        r.getOutcome(), r.toString()));
            }
        }
        List<String> linked = IngestedRecords.links(before, IngestedRecords.endOffsets()).stream()
                .filter(l -> l.getIdentifiersList().stream().anyMatch(i -> i.getValue().equals(user)))
                .map(dev.cairn.proto.events.v1.IdentifierLinks::getMessageId).toList();
        assertEquals(List.of(first.getMessageId(), sameTwiceA.getMessageId(), withEmail.getMessageId()), linked,
                "links once per identifier set: the retry after the abort publishes them, the repeat does not, a set"
                        + " seen twice in one request once, a set with one more identifier again");
    }

    private static EventInput visit(String messageId, String user, String anonymousId) {
        return order(messageId, user).toBuilder().setAnonymousId(anonymousId).build();
    }

    private static List<EventResult> ingest(EventIngestor ingestor, List<EventInput> events) {
        return ingestor.ingest(new IngestRequest("backend", events.stream().map(IngestItem::ofGrpc).toList(),
                Optional.empty(), false, "grpc",
                SourceGrants.ofClaim(IngestFixtures.SOURCES_CLAIM, List.of("backend"))))
                .await().atMost(Duration.ofSeconds(60));
    }

    /** Sends like an SDK: RETRY answers are retried until each event has a final answer. */
    private static void retryUntilSettled(EventIngestor instance, List<EventInput> events,
            Map<String, List<EventOutcome>> outcomes) {
        List<EventInput> pending = events;
        for (int attempt = 0; attempt < 50 && !pending.isEmpty(); attempt++) {
            List<EventResult> results = instance.ingest(new IngestRequest("backend",
                    pending.stream().map(IngestItem::ofGrpc).toList(), Optional.empty(), false, "grpc",
                    SourceGrants.ofClaim(IngestFixtures.SOURCES_CLAIM, List.of("backend"))))
                    .await().atMost(Duration.ofSeconds(30));
            List<EventInput> next = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                EventResult r = results.get(i);
                if (r.getOutcome() == EventOutcome.EVENT_OUTCOME_RETRY) {
                    next.add(pending.get(i));
                } else {
                    outcomes.computeIfAbsent(r.getMessageId(),
                            k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                            .add(r.getOutcome());
                }
            }
            pending = next;
            if (!pending.isEmpty()) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        assertTrue(pending.isEmpty(), "every event settled");
    }

    private EventIngestor instance(TransactionalPublisher publisher) {
        return instance(publisher, new RecentLinks(config.links().recentWindow(), config.links().recentMax()));
    }

    private EventIngestor instance(TransactionalPublisher publisher, RecentLinks recentLinks) {
        return new EventIngestor(sources, plan, pii, new ConsentGate(consent),
                new Deduplicator(redis, config.dedupWindow(), config.dedupInFlight()), recentLinks, publisher,
                new RateLimits(), new IngestMetrics(new SimpleMeterRegistry(), plan), config);
    }

    @Test
    void a_failed_transaction_stores_none_of_its_records_and_a_retry_stores_each_once() {
        String marker = id("atomic");
        try (TransactionalPublisher publisher = new TransactionalPublisher(
                RealInfra.kafka().clientConfig("ingest", Map.of()), "guarantees-atomic", 1, Duration.ofSeconds(5),
                GROUP_COMMIT, Map.of("max.request.size", "4000000"))) {
            // The middle record is larger than the broker accepts (1 MB): the whole transaction must abort.
            byte[] incompressible = new byte[2_000_000];
            new java.util.Random(7).nextBytes(incompressible);
            List<TransactionalPublisher.Record> batch = List.of(
                    new TransactionalPublisher.Record("cairn.events.raw.v1", marker, marked(marker + "-a")),
                    new TransactionalPublisher.Record("cairn.events.raw.v1", marker, incompressible),
                    new TransactionalPublisher.Record("cairn.events.governed.v1", marker, marked(marker + "-c")));
            boolean failed;
            try {
                publisher.publish(batch).await().atMost(Duration.ofSeconds(60));
                failed = false;
            } catch (RuntimeException e) {
                failed = true;
            }
            assertTrue(failed, "the oversized record fails the transaction");
            publisher.publish(List.of(batch.get(0), batch.get(2))).await().atMost(Duration.ofSeconds(30));
        }
        Set<String> seen = new HashSet<>();
        List<String> values = new ArrayList<>();
        for (String topic : List.of("cairn.events.raw.v1", "cairn.events.governed.v1")) {
            TopicReader
                    .read(topic, r -> r.key() != null && marker.equals(new String(r.key())), 5, Duration.ofSeconds(6))
                    .forEach(r -> values
                            .add(r.value().length > 1000 ? "(oversized)" : IngestFixtures.event(r).getMessageId()));
        }
        seen.addAll(values);
        assertEquals(2, values.size(), "only the retried records are visible, once each: " + values);
        assertEquals(Set.of(marker + "-a", marker + "-c"), seen);
        assertFalse(values.contains("(oversized)"), "nothing of the aborted transaction is visible");
    }

    private static byte[] marked(String messageId) {
        return Event.newBuilder().setMessageId(messageId).build().toByteArray();
    }
}
