package dev.cairn.identity.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.rules.IdentityRulesLoaderTest;
import dev.cairn.identity.service.GraphView.Edge;
import dev.cairn.identity.service.GraphView.Node;
import dev.cairn.identity.service.LinkBatch.Decision;
import dev.cairn.identity.service.LinkBatch.Event;
import dev.cairn.identity.service.LinkBatch.Named;

/**
 * A poll decided as a set gives, event by event, the decisions that deciding each event alone against the rows
 * the ones before it wrote gives (what one transaction per event did): same entries, same profile ids, same
 * graph, same evidence. Random polls over a few people with shared devices and user_id limits, so merges,
 * refusals, demotions and splits all happen inside polls.
 */
class LinkBatchTest {

    private static final IdentityRules RULES = IdentityRulesLoaderTest.repositoryRules();
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final byte[] KEY = IdentifierCipher.newKey();

    /** The tables, as a serial writer leaves them: nodes and evidence rows, sequences taken in order. */
    private static final class Rows {
        final Map<String, Node> nodes = new HashMap<>();
        final Set<Edge> edges = new LinkedHashSet<>();
        long seq;

        void write(LinkBatch batch, List<Decision> decisions) {
            Map<Long, Long> real = new HashMap<>();
            for (Decision d : decisions) {
                for (int i = 0; i < d.changes().size(); i++) {
                    real.put(d.firstProvisional() - i, ++seq);
                }
            }
            batch.changedNodes().forEach(n -> nodes.put(n.hash(), n));
            for (Edge e : batch.newEdges()) {
                edges.add(e.seq() == 0 ? e : new Edge(e.a(), e.b(), real.get(e.seq())));
            }
        }
    }

    @Test
    void a_poll_decided_as_a_set_decides_every_event_as_deciding_it_alone_after_the_others_were_written() {
        for (int seed = 1; seed <= 40; seed++) {
            Random random = new Random(seed);
            List<String> universe = new ArrayList<>();
            for (int p = 0; p < 5; p++) {
                universe.addAll(List.of("user_id:u" + p, "anonymous_id:a" + p, "email:e" + p + "@x.example",
                        "device_id:d" + p));
            }
            universe.add("device_id:shared-tablet");
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                Set<String> ids = new LinkedHashSet<>();
                int size = 1 + random.nextInt(3);
                while (ids.size() < size) {
                    ids.add(universe.get(random.nextInt(universe.size())));
                }
                if (random.nextInt(5) == 0) {
                    ids.add("device_id:shared-tablet");
                }
                events.add(event(T0.plusSeconds(i / 3), ids));
            }

            // Serial: each event alone, against what the events before it wrote.
            Rows serial = new Rows();
            int[] serialIds = {0};
            List<String> serialLog = new ArrayList<>();
            for (Event e : events) {
                LinkBatch one = new LinkBatch(RULES, () -> "p" + ++serialIds[0], serial.nodes.values(),
                        serial.edges);
                Decision d = one.decide(e, keys(e));
                d.changes().forEach(c -> serialLog.add(describe(c)));
                serial.write(one, List.of(d));
            }

            // As a set: polls of 1 to 30 events, each poll loaded once and decided in memory.
            Rows polled = new Rows();
            int[] polledIds = {0};
            List<String> polledLog = new ArrayList<>();
            for (int from = 0; from < events.size();) {
                int to = Math.min(events.size(), from + 1 + random.nextInt(30));
                LinkBatch poll = new LinkBatch(RULES, () -> "p" + ++polledIds[0], polled.nodes.values(),
                        polled.edges);
                List<Decision> decisions = new ArrayList<>();
                for (Event e : events.subList(from, to)) {
                    Decision d = poll.decide(e, keys(e));
                    d.changes().forEach(c -> polledLog.add(describe(c)));
                    decisions.add(d);
                }
                polled.write(poll, decisions);
                from = to;
            }

            assertEquals(serialLog, polledLog, "seed " + seed + ": the same entries in the same order");
            assertEquals(shape(serial), shape(polled), "seed " + seed + ": same graph");
            assertEquals(serial.edges, polled.edges, "seed " + seed + ": same evidence");
            assertTrue(serialLog.stream().anyMatch(s -> s.startsWith("IDENTITY_CHANGE_KIND_MERGED")),
                    "seed " + seed + " merges");
        }
    }

    @Test
    void a_repeat_visitor_changes_nothing_once_its_identifiers_were_seen_together() {
        Rows rows = new Rows();
        Set<String> ids = new LinkedHashSet<>(List.of("user_id:u1", "anonymous_id:a1"));
        LinkBatch first = new LinkBatch(RULES, () -> "p1", rows.nodes.values(), rows.edges);
        Decision linked = first.decide(event(T0, ids), keys(event(T0, ids)));
        rows.write(first, List.of(linked));
        // The first visit after the link records that they were seen together in one profile (evidence with
        // sequence 0, which an unmerge of the linking entry does not cut); from then on a visit changes nothing.
        LinkBatch second = new LinkBatch(RULES, () -> "p2", rows.nodes.values(), rows.edges);
        Decision evidence = second.decide(event(T0.plusSeconds(60), ids), Map.of());
        assertTrue(!evidence.unchanged() && evidence.changes().isEmpty() && second.newEdges().size() == 1);
        rows.write(second, List.of(evidence));
        LinkBatch third = new LinkBatch(RULES, () -> "p3", rows.nodes.values(), rows.edges);
        Decision repeat = third.decide(event(T0.plusSeconds(120), ids), Map.of());
        Decision again = third.decide(event(T0.plusSeconds(180), ids), Map.of());
        assertTrue(repeat.unchanged() && again.unchanged(), "already together, with their evidence");
        assertTrue(third.changedNodes().isEmpty() && third.newEdges().isEmpty(), "nothing to write");
    }

    private static Map<String, byte[]> keys(Event e) {
        Map<String, byte[]> keys = new HashMap<>();
        e.accepted().forEach(a -> keys.put(a.hash(), KEY));
        return keys;
    }

    /** Each node's profile, ambiguity and link time (its ciphertext differs run to run: a fresh IV each time). */
    private static Map<String, String> shape(Rows rows) {
        Map<String, String> shape = new TreeMap<>();
        rows.nodes.values().forEach(n -> shape.put(n.hash(), n.profileId() + " " + n.ambiguous() + " " + n.linkedAt()));
        return shape;
    }

    /** An event whose identifiers are named by readable "hashes"; no cipher is needed for the decisions. */
    private static Event event(Instant at, Set<String> ids) {
        List<Named> accepted = new ArrayList<>();
        for (String id : ids) {
            accepted.add(new Named(id, new Ident(id.substring(0, id.indexOf(':')), id), null));
        }
        return new Event(new Cause("m", "s", "", "", at), accepted, List.of());
    }

    /** An entry without its ciphertexts (each encryption draws a fresh IV). */
    private static String describe(PlannedChange c) {
        return c.kind() + " " + c.profileId() + " " + c.absorbedProfileIds() + " " + c.splitProfileIds() + " "
                + c.heldProfileIds() + " " + c.rule() + " "
                + c.identifiers().stream().map(m -> m.hash() + ">" + m.toProfile() + "<" + m.fromProfile()).toList()
                + " " + c.edges();
    }
}
