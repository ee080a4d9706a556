package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.identity.service.Ident;
import dev.cairn.identity.service.IdentityLinker;
import dev.cairn.identity.service.IdentityLinker.Linked;
import dev.cairn.identity.service.IdentityLinker.Outcome;
import dev.cairn.identity.service.LogOutbox;
import dev.cairn.identity.store.RedisGraph;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentifierLinks;

/**
 * Must hold: concurrent events for the same people from several consumer instances give the same graph as
 * applying them serially in log order. Four writers (standing for consumer instances; each decides a poll of
 * 1 to 8 events in one transaction on its own connection, exactly what another instance would run) decide
 * overlapping events for the same few people at once, redeliveries included; the log's decision order is then
 * replayed one event per transaction by one writer into a fresh space.
 */
@QuarkusTest
class ConcurrentConsumersTest {

    @Inject
    IdentityLinker linker;

    @Inject
    LogOutbox outbox;

    @Inject
    RedisGraph redis;

    @Test
    void concurrent_writers_give_the_same_graph_as_the_serial_replay_of_the_log() throws Exception {
        String tag = IdentityFixture.unique("cc");
        String live = "live-" + tag;
        String serial = "serial-" + tag;
        List<Identifier> people = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            people.add(id("user_id", tag + "-u" + p));
            people.add(id("anonymous_id", tag + "-a" + p));
            people.add(id("email", tag + "-p" + p + "@concurrent.example.net"));
            people.add(id("device_id", tag + "-d" + p));
        }
        Identifier sharedTablet = id("device_id", tag + "-shared-tablet");
        people.add(sharedTablet);
        Random random = new Random(7);
        List<IdentifierLinks> events = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Set<Identifier> ids = new LinkedHashSet<>();
            ids.add(people.get(random.nextInt(people.size())));
            ids.add(people.get(random.nextInt(people.size())));
            if (random.nextInt(4) == 0) {
                ids.add(sharedTablet);
            }
            if (ids.size() < 2) {
                ids.add(people.get(random.nextInt(people.size())));
            }
            events.add(IdentityFixture.links(ids.toArray(Identifier[]::new)));
        }

        Map<String, List<Outcome>> outcomes = new java.util.HashMap<>();
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Linked>>> done = new ArrayList<>();
            List<IdentifierLinks> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, random);
            // Redeliveries: one inside the batch that first carries the event, one in a later batch.
            shuffled.add(shuffled.indexOf(events.get(0)) + 1, events.get(0));
            shuffled.add(events.get(1));
            // Each writer takes a poll's worth at a time, as the consumer does: 1 to 8 events in one transaction.
            for (int from = 0; from < shuffled.size();) {
                List<IdentifierLinks> poll = List
                        .copyOf(shuffled.subList(from, Math.min(shuffled.size(), from + 1 + random.nextInt(8))));
                from += poll.size();
                done.add(writers.submit(() -> GraphProbe.await(() -> linker.linkAll(live, poll))));
            }
            for (Future<List<Linked>> f : done) {
                for (Linked l : f.get()) {
                    outcomes.computeIfAbsent(l.links().getMessageId(), m -> new ArrayList<>()).add(l.outcome());
                }
            }
        } finally {
            writers.shutdownNow();
        }
        GraphProbe.await(() -> outbox.drainUntilCaughtUp(live));

        List<String> order = GraphProbe.await(() -> Panache.withSession(() -> Panache.getSession()
                .chain(s -> s.<String>createNativeQuery(
                        "select message_id from identity_message_seen where space = ?1 order by position")
                        .setParameter(1, live).getResultList())));
        // Each event is recorded where it was decided, once; one that changed nothing (its identifiers were
        // together already) writes nothing, not even that: at its place in the order it was a no-op, and it is
        // one in the serial replay too, whose state is the same at that place.
        assertEquals(order.size(), Set.copyOf(order).size(), "no event was decided twice");
        for (IdentifierLinks e : events) {
            List<Outcome> seen = outcomes.get(e.getMessageId());
            assertEquals(order.contains(e.getMessageId()), seen.contains(Outcome.DECIDED),
                    "recorded exactly when it wrote something: " + seen);
            assertTrue(seen.stream().filter(o -> o == Outcome.DECIDED).count() <= 1, "decided once: " + seen);
        }
        assertTrue(order.size() > events.size() / 2, "most events changed the graph: " + order.size());
        Map<String, IdentifierLinks> byMessage = new java.util.HashMap<>();
        events.forEach(e -> byMessage.put(e.getMessageId(), e));
        for (String messageId : order) {
            GraphProbe.await(() -> linker.link(serial, byMessage.get(messageId)));
        }
        GraphProbe.await(() -> outbox.drainUntilCaughtUp(serial));

        List<Ident> all = people.stream().map(i -> new Ident(i.getNamespace(), i.getValue().toLowerCase()))
                .toList();
        Map<String, String> liveShape = GraphProbe.shape(redis, live, all);
        Map<String, String> serialShape = GraphProbe.shape(redis, serial, all);
        assertEquals(serialShape, liveShape);
        assertTrue(liveShape.values().stream().anyMatch(s -> !s.equals("-")), "the graph is not empty");
        long userIdsPerProfileMax = GraphProbe.resolve(redis, live, all).stream()
                .mapToLong(h -> h.members().stream().filter(m -> m.namespace().equals("user_id")).count()).max()
                .orElse(0);
        assertTrue(userIdsPerProfileMax <= 1, "the user_id limit held under concurrency");
    }
}
