package dev.cairn.identity.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

import dev.cairn.identity.repository.EntryIdentifiers;
import dev.cairn.identity.repository.LogEntry;
import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.service.GraphView.Edge;
import dev.cairn.identity.service.GraphView.Node;
import dev.cairn.identity.service.IdentifierScreen.Screened;
import dev.cairn.identity.service.IdentifierScreen.Stopped;
import dev.cairn.identity.service.LinkBatch.Decision;
import dev.cairn.identity.service.LinkBatch.Named;
import dev.cairn.identity.store.KeyStore;
import dev.cairn.identity.store.LogRepository;
import dev.cairn.identity.store.LogRepository.MessageRef;
import dev.cairn.identity.store.LogRepository.NewEntry;
import dev.cairn.identity.store.LogRepository.NewHold;
import dev.cairn.proto.events.v1.IdentifierLinks;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * Decides the identifier links of a poll as a set, in one transaction under the space's lock: a few statements
 * read every node, member and edge the poll needs, {@link LinkBatch} decides the events in order in memory, and
 * each table is written once. Statements per poll do not grow with its size; an event whose identifiers are
 * already together (a repeat visitor) writes nothing at all.
 */
@ApplicationScoped
public class IdentityLinker {

    @Inject
    IdentityRules rules;

    @Inject
    IdentifierCipher cipher;

    @Inject
    LogRepository log;

    @Inject
    KeyStore keys;

    @Inject
    Pool pool;

    /** How an event of a poll was handled. */
    public enum Outcome {
        /** Decided; its entries, moves or evidence were written, and it is recorded as seen. */
        DECIDED,
        /** Decided, and it changed nothing (its identifiers were together already): nothing written. */
        UNCHANGED,
        /** Decided before (same source and messageId): skipped. */
        REDELIVERED
    }

    /** What one event of a poll appended (nothing unless DECIDED). */
    public record Linked(IdentifierLinks links, List<LogEntry> entries, Outcome outcome) {
    }

    private record Prepared(IdentifierLinks links, LinkBatch.Event event, MessageRef ref) {
    }

    /** A poll's screened events, every identifier they name (by hash) and their message refs. */
    private record Poll(List<Prepared> events, Set<String> named, List<MessageRef> refs) {

        Poll(List<Prepared> events) {
            this(events, new LinkedHashSet<>(), new ArrayList<>());
            for (Prepared p : events) {
                p.event().accepted().forEach(a -> named.add(a.hash()));
                if (p.ref() != null) {
                    refs.add(p.ref());
                }
            }
        }

        /** False when an event certainly writes: a stopped identifier is logged as refused. */
        boolean mayBeUnchanged() {
            return events.stream().allMatch(p -> p.event().stopped().isEmpty());
        }
    }

    /**
     * One consistent snapshot for the unlocked reads (the first statement of its transaction): the seen rows, nodes
     * and edges must be of one moment of the log, or an event could look unchanged against a mix of two.
     */
    private static final String SNAPSHOT = "set transaction isolation level repeatable read, read only";

    /** Applies the identifiers of one event; a redelivered event (same source and messageId) changes nothing. */
    public Uni<List<LogEntry>> link(String space, IdentifierLinks links) {
        return linkAll(space, List.of(links)).map(linked -> linked.get(0).entries());
    }

    /**
     * Decides the events in order, as one transaction each would one after another, in one transaction: all or
     * nothing (a failure rolls the whole poll back, and the caller may decide it again in parts). A poll that changes
     * nothing (repeat visitors) is recognised without the space's lock: see {@link #unchangedAtSnapshot}.
     */
    public Uni<List<Linked>> linkAll(String space, List<IdentifierLinks> batch) {
        return linkAll(space, batch, true);
    }

    /**
     * As {@link #linkAll(String, List)}; {@code trySnapshot} false sends the poll to the lock directly, for a caller
     * that expects it to change something (mixed traffic), where the snapshot's reads would be wasted.
     */
    public Uni<List<Linked>> linkAll(String space, List<IdentifierLinks> batch, boolean trySnapshot) {
        Poll poll = new Poll(batch.stream().map(this::prepare).toList());
        if (!trySnapshot || !poll.mayBeUnchanged()) {
            return locked(space, poll);
        }
        return unchangedAtSnapshot(space, poll)
                .chain(unchanged -> unchanged != null ? Uni.createFrom().item(unchanged) : locked(space, poll));
    }

    /**
     * The poll's decisions when none of its events changes anything, decided against one consistent snapshot without
     * the space's lock or any write; null when some event would change the graph (then the poll goes to
     * {@link #locked}).
     * <p>
     * Why that is the serial order's answer: the snapshot holds every decision committed before the poll started,
     * which includes every earlier poll of the poll's partitions (a consumer decides its polls one after another,
     * committing each before its offsets, and a partition handed over by a rebalance is read again from its committed
     * offset). Placing the poll's events at the snapshot's point of the log is a valid serial order: their partition's
     * earlier events are before it, and since they write nothing, no decision after that point could have read
     * anything of theirs. Repeat visitors, the common case, are thus decided in parallel by every consumer, and cost
     * three reads and no commit.
     */
    private Uni<List<Linked>> unchangedAtSnapshot(String space, Poll poll) {
        return pool.withTransaction(conn -> conn.query(SNAPSHOT).execute()
                .chain(() -> log.seen(conn, space, poll.refs()))
                .chain(seen -> log.profilesOf(conn, space, poll.named()).chain(nodes -> {
                    Set<String> known = new HashSet<>();
                    nodes.forEach(n -> known.add(n.hash()));
                    if (!known.containsAll(poll.named())) {
                        return Uni.createFrom().nullItem();
                    }
                    return log.edgesAmong(conn, space, known).map(edges -> {
                        LinkBatch batch = new LinkBatch(rules, () -> UUID.randomUUID().toString(), nodes, edges);
                        Set<MessageRef> decided = new HashSet<>(seen);
                        List<Linked> linked = new ArrayList<>(poll.events().size());
                        for (Prepared p : poll.events()) {
                            if (p.ref() != null && !decided.add(p.ref())) {
                                linked.add(new Linked(p.links(), List.of(), Outcome.REDELIVERED));
                                continue;
                            }
                            // No key is needed: every identifier is known and none was stopped (mayBeUnchanged).
                            if (!batch.decide(p.event(), Map.of()).unchanged()) {
                                return null;
                            }
                            linked.add(new Linked(p.links(), List.of(), Outcome.UNCHANGED));
                        }
                        return linked;
                    });
                })));
    }

    /** The poll decided under the space's lock: reads, decisions and one write per table in one transaction. */
    private Uni<List<Linked>> locked(String space, Poll poll) {
        List<Prepared> prepared = poll.events();
        return pool.withTransaction(conn -> log.lockSpace(conn, space)
                .chain(() -> log.seen(conn, space, poll.refs()))
                .chain(seen -> log.profilesOf(conn, space, poll.named()).chain(nodes -> {
                    Set<String> known = new HashSet<>();
                    nodes.forEach(n -> known.add(n.hash()));
                    Set<String> needKeys = new LinkedHashSet<>();
                    for (Prepared p : prepared) {
                        p.event().accepted().stream().map(Named::hash).filter(h -> !known.contains(h))
                                .forEach(needKeys::add);
                        p.event().stopped().forEach(s -> needKeys.add(s.hash()));
                    }
                    return log.edgesAmong(conn, space, known)
                            .chain(edges -> keys.findOrCreate(conn, needKeys)
                                    .chain(k -> decideAndWrite(conn, space, prepared, seen, nodes, edges, k)));
                })));
    }

    private Prepared prepare(IdentifierLinks links) {
        Screened screened = new IdentifierScreen(rules).screen(links.getIdentifiersList());
        List<Named> accepted = new ArrayList<>(screened.accepted().size());
        screened.accepted().forEach(id -> accepted.add(new Named(cipher.hash(id), id, null)));
        List<Named> stopped = new ArrayList<>(screened.stopped().size());
        for (Stopped s : screened.stopped()) {
            stopped.add(new Named(cipher.hash(s.identifier()), s.identifier(), s.rule()));
        }
        MessageRef ref = links.getMessageId().isEmpty()
                ? null
                : new MessageRef(links.getSourceId(), links.getMessageId());
        return new Prepared(links, new LinkBatch.Event(Cause.of(links), accepted, stopped), ref);
    }

    private Uni<List<Linked>> decideAndWrite(SqlConnection conn, String space, List<Prepared> prepared,
            Set<MessageRef> seen, List<Node> nodes, List<Edge> edges, Map<String, byte[]> keyBytes) {
        LinkBatch batch = new LinkBatch(rules, () -> UUID.randomUUID().toString(), nodes, edges);
        Set<MessageRef> decidedNow = new HashSet<>(seen);
        List<Decision> decisions = new ArrayList<>(prepared.size());
        List<MessageRef> recorded = new ArrayList<>();
        for (Prepared p : prepared) {
            if (p.ref() != null && !decidedNow.add(p.ref())) {
                decisions.add(null);
                continue;
            }
            Decision d = batch.decide(p.event(), keyBytes);
            decisions.add(d);
            if (!d.unchanged() && p.ref() != null) {
                recorded.add(p.ref());
            }
        }
        int count = decisions.stream().mapToInt(d -> d == null ? 0 : d.changes().size()).sum();
        return log.nextSequences(conn, count).chain(seqs -> {
            Instant now = Instant.now();
            List<NewEntry> rows = new ArrayList<>(count);
            List<Long> refSeqs = new ArrayList<>();
            List<String> refProfiles = new ArrayList<>();
            List<NewHold> holds = new ArrayList<>();
            List<Linked> linked = new ArrayList<>(prepared.size());
            for (int i = 0; i < prepared.size(); i++) {
                Prepared p = prepared.get(i);
                Decision d = decisions.get(i);
                if (d == null || d.unchanged()) {
                    linked.add(new Linked(p.links(), List.of(), d == null ? Outcome.REDELIVERED : Outcome.UNCHANGED));
                    continue;
                }
                Cause cause = p.event().cause();
                List<LogEntry> appended = new ArrayList<>(d.changes().size());
                for (int c = 0; c < d.changes().size(); c++) {
                    PlannedChange change = d.changes().get(c);
                    long seq = seqs[(int) (-d.firstProvisional() - 1) + c];
                    boolean held = change.kind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_HELD;
                    String holdId = held ? UUID.randomUUID().toString() : "";
                    NewEntry row = new NewEntry(seq, space, change.kind().name(), change.profileId(),
                            change.absorbedProfileIds(), change.splitProfileIds(),
                            EntryIdentifiers.write(change.identifiers().stream()
                                    .map(m -> new EntryIdentifiers.Item(m.namespace(), m.hash(), m.cipher(),
                                            m.toProfile(), m.fromProfile()))
                                    .toList()),
                            change.rule(), cause.messageId(), cause.sourceId(), cause.actor(), cause.note(),
                            cause.occurredAt(), now, holdId);
                    rows.add(row);
                    appended.add(toEntry(row));
                    Set<String> concerned = new LinkedHashSet<>();
                    if (!change.profileId().isEmpty()) {
                        concerned.add(change.profileId());
                    }
                    concerned.addAll(change.absorbedProfileIds());
                    concerned.addAll(change.splitProfileIds());
                    concerned.addAll(change.heldProfileIds());
                    for (String profile : concerned) {
                        refSeqs.add(seq);
                        refProfiles.add(profile);
                    }
                    if (held) {
                        holds.add(new NewHold(holdId, space, seq,
                                change.identifiers().stream().map(PlannedChange.Moved::hash).toList(), now));
                    }
                }
                linked.add(new Linked(p.links(), appended, Outcome.DECIDED));
            }
            List<Edge> newEdges = batch.newEdges().stream()
                    .map(e -> e.seq() == 0 ? e : new Edge(e.a(), e.b(), seqs[(int) (-e.seq() - 1)])).toList();
            // One statement per table, sent without waiting for each other (the connection pipelines them in order).
            return Uni.join().all(log.append(conn, rows, refSeqs, refProfiles), log.addEdges(conn, space, newEdges),
                    log.putNodes(conn, space, batch.changedNodes()), log.addHolds(conn, holds),
                    log.markSeen(conn, space, recorded)).andFailFast().replaceWith(linked);
        });
    }

    /** The appended entry as the outbox will read it (not managed by any session). */
    private static LogEntry toEntry(NewEntry row) {
        LogEntry e = new LogEntry();
        e.seq = row.seq();
        e.space = row.space();
        e.kind = row.kind();
        e.profileId = row.profileId();
        e.absorbedProfileIds = String.join(",", row.absorbedProfileIds());
        e.splitProfileIds = String.join(",", row.splitProfileIds());
        e.identifiers = row.identifiersJson();
        e.rule = row.rule();
        e.messageId = row.messageId();
        e.sourceId = row.sourceId();
        e.occurredAt = row.occurredAt();
        e.recordedAt = row.recordedAt();
        e.holdId = row.holdId();
        return e;
    }
}
