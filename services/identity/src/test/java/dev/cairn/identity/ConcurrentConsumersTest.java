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
import dev.cairn.identity.service.IdentityLedger;
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
    IdentityLedger ledger;

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

        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
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
                done.add(writers.submit(() -> GraphProbe.await(() -> ledger.linkAll(live, poll))));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            writers.shutdownNow();
        }
        GraphProbe.await(() -> outbox.drainUntilCaughtUp(live));

        List<String> order = GraphProbe.await(() -> Panache.withSession(() -> Panache.getSession()
                .chain(s -> s.<String>createNativeQuery(
                        "select message_id from identity_message_seen where space = ?1 order by position")
                        .setParameter(1, live).getResultList())));
        assertEquals(events.size(), order.size(), "every event was decided once");
        Map<String, IdentifierLinks> byMessage = new java.util.HashMap<>();
        events.forEach(e -> byMessage.put(e.getMessageId(), e));
        for (String messageId : order) {
            GraphProbe.await(() -> ledger.link(serial, byMessage.get(messageId)));
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
