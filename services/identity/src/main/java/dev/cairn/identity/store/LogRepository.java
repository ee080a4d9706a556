package dev.cairn.identity.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.cairn.identity.repository.LogEntry;
import dev.cairn.identity.service.GraphView.Edge;
import dev.cairn.identity.service.GraphView.Node;

/**
 * The identity log and the graph state decided with it, read and written a poll at a time: every statement takes
 * the poll's identifiers (or rows) as arrays ({@code = any($n)}, {@code unnest}), so a poll of any size costs the
 * same handful of round trips. Statements run on the caller's connection, inside its transaction, after
 * {@link #lockSpace}.
 */
@ApplicationScoped
public class LogRepository {

    /** An event already decided, by its source and messageId. */
    public record MessageRef(String sourceId, String messageId) {
    }

    /** One log entry to append, with its sequence already allocated. Profile id lists are stored comma-joined. */
    public record NewEntry(long seq, String space, String kind, String profileId, List<String> absorbedProfileIds,
            List<String> splitProfileIds, String identifiersJson, String rule, String messageId, String sourceId,
            String actor, String note, Instant occurredAt, Instant recordedAt, String holdId) {
    }

    /** A merge held for review; identifiers are keyed hashes. */
    public record NewHold(String holdId, String space, long seq, List<String> identifiers, Instant heldAt) {
    }

    private static final String CREATE_SPACE = "insert into identity_space (space, published_seq) values ($1, 0) "
            + "on conflict do nothing";
    private static final String LOCK_SPACE = "select published_seq from identity_space where space = $1 for update";
    private static final String SEEN = "select s.source_id, s.message_id from identity_message_seen s "
            + "join unnest($2::text[], $3::text[]) as t(source_id, message_id) "
            + "on s.source_id = t.source_id and s.message_id = t.message_id where s.space = $1";
    /** In the order given: {@code position} is the decision order (what a serial replay follows). */
    private static final String MARK_SEEN = "insert into identity_message_seen (space, source_id, message_id) "
            + "select $1, t.source_id, t.message_id from unnest($2::text[], $3::text[]) with ordinality "
            + "as t(source_id, message_id, n) order by t.n on conflict do nothing";
    /**
     * By primary key ({@code space|hash}: there is no index on hash alone), one probe per identifier, then one
     * probe per profile: the lateral join keeps PostgreSQL from the hash join over two scans of the whole table
     * that {@code profile_id in (select … where id = any($2))} got (400 ms against 110 ms at 440,000 nodes).
     */
    private static final String PROFILES_OF = "select n.hash, n.namespace, n.cipher, n.profile_id, n.ambiguous, "
            + "n.linked_at from (select distinct p.profile_id from unnest($2::text[]) as x(id) cross join lateral "
            + "(select m.profile_id from identity_node m where m.id = x.id) p) ps join identity_node n "
            + "on n.space = $1 and n.profile_id = ps.profile_id";
    /**
     * By one end only, as a join (PostgreSQL probes the (space, a, b, seq) index once per identifier, where
     * {@code a = any($2) and b = any($2)} made it scan the table and compare each row with the whole array); the
     * other end is checked here.
     */
    private static final String EDGES_FROM = "select e.a, e.b, e.seq from unnest($2::text[]) as x(h) "
            + "join identity_edge e on e.space = $1 and e.a = x.h";
    private static final String NEXT_SEQUENCES = "select nextval('identity_log_seq') from generate_series(1, $1)";
    private static final String APPEND = "insert into identity_log (seq, space, kind, profile_id, "
            + "absorbed_profile_ids, split_profile_ids, identifiers, rule, message_id, source_id, actor, note, "
            + "occurred_at, recorded_at, hold_id) select * from unnest($1::bigint[], $2::text[], $3::text[], "
            + "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], "
            + "$12::text[], $13::timestamptz[], $14::timestamptz[], $15::text[])";
    private static final String PROFILE_REFS = "insert into identity_log_profile (seq, profile_id) "
            + "select t.seq, t.profile_id from unnest($1::bigint[], $2::text[]) with ordinality as t(seq, profile_id, n) "
            + "order by t.n";
    private static final String ADD_EDGES = "insert into identity_edge (space, a, b, seq) "
            + "select $1, t.a, t.b, t.seq from unnest($2::text[], $3::text[], $4::bigint[]) with ordinality "
            + "as t(a, b, seq, n) order by t.n on conflict do nothing";
    private static final String PUT_NODES = "insert into identity_node (id, space, hash, namespace, cipher, "
            + "profile_id, ambiguous, linked_at) select t.space || '|' || t.hash, t.space, t.hash, t.namespace, "
            + "t.cipher, t.profile_id, t.ambiguous, t.linked_at from unnest($1::text[], $2::text[], $3::text[], "
            + "$4::text[], $5::text[], $6::boolean[], $7::timestamptz[]) as t(space, hash, namespace, cipher, "
            + "profile_id, ambiguous, linked_at) on conflict (id) do update set profile_id = excluded.profile_id, "
            + "ambiguous = excluded.ambiguous";
    private static final String ADD_HOLDS = "insert into identity_hold (hold_id, space, seq, status, identifiers, "
            + "held_at) select t.hold_id, t.space, t.seq, 'PENDING', t.identifiers, t.held_at from unnest("
            + "$1::text[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[]) as t(hold_id, space, seq, "
            + "identifiers, held_at)";

    private static final String PUBLISHED = "select published_seq from identity_space where space = $1";
    private static final String ADVANCE_PUBLISHED = "update identity_space set published_seq = $1 "
            + "where space = $2 and published_seq < $1";
    private static final String ENTRIES_AFTER = "select seq, space, kind, profile_id, absorbed_profile_ids, "
            + "split_profile_ids, identifiers, rule, message_id, source_id, actor, note, occurred_at, recorded_at, "
            + "hold_id from identity_log where space = $1 and seq > $2 order by seq limit $3";

    /** How far the space's outbox has published (0: nothing, or no such space yet). */
    public Uni<Long> publishedSeq(SqlClient client, String space) {
        return client.preparedQuery(PUBLISHED).execute(Tuple.of(space))
                .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
    }

    /** Moves the outbox's published cursor forward (never back: two passes may race). */
    public Uni<Void> advancePublished(SqlClient client, String space, long seq) {
        return client.preparedQuery(ADVANCE_PUBLISHED).execute(Tuple.of(seq, space)).replaceWithVoid();
    }

    /** At most {@code limit} entries of the space after {@code after}, in sequence order (not managed by a session). */
    public Uni<List<LogEntry>> entriesAfter(SqlClient client, String space, long after, int limit) {
        return client.preparedQuery(ENTRIES_AFTER).execute(Tuple.of(space, after, limit)).map(rows -> {
            List<LogEntry> entries = new ArrayList<>(rows.size());
            for (Row row : rows) {
                LogEntry e = new LogEntry();
                e.seq = row.getLong(0);
                e.space = row.getString(1);
                e.kind = row.getString(2);
                e.profileId = row.getString(3);
                e.absorbedProfileIds = row.getString(4);
                e.splitProfileIds = row.getString(5);
                e.identifiers = row.getString(6);
                e.rule = row.getString(7);
                e.messageId = row.getString(8);
                e.sourceId = row.getString(9);
                e.actor = row.getString(10);
                e.note = row.getString(11);
                e.occurredAt = row.getOffsetDateTime(12).toInstant();
                e.recordedAt = row.getOffsetDateTime(13).toInstant();
                e.holdId = row.getString(14);
                entries.add(e);
            }
            return entries;
        });
    }

    /** Serializes the space's writers: its row lock, held until the transaction ends (created on first use). */
    public Uni<Void> lockSpace(SqlClient client, String space) {
        Tuple args = Tuple.of(space);
        return client.preparedQuery(CREATE_SPACE).execute(args)
                .chain(() -> client.preparedQuery(LOCK_SPACE).execute(args)).replaceWithVoid();
    }

    /** Which of these events were decided before. */
    public Uni<Set<MessageRef>> seen(SqlClient client, String space, List<MessageRef> refs) {
        if (refs.isEmpty()) {
            return Uni.createFrom().item(new HashSet<>());
        }
        return client.preparedQuery(SEEN).execute(Tuple.tuple().addValue(space)
                .addValue(column(refs, MessageRef::sourceId)).addValue(column(refs, MessageRef::messageId)))
                .map(rows -> {
                    Set<MessageRef> seen = new HashSet<>();
                    for (Row row : rows) {
                        seen.add(new MessageRef(row.getString(0), row.getString(1)));
                    }
                    return seen;
                });
    }

    /** Records these events as decided, in this order. */
    public Uni<Void> markSeen(SqlClient client, String space, List<MessageRef> refs) {
        if (refs.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery(MARK_SEEN).execute(Tuple.tuple().addValue(space)
                .addValue(column(refs, MessageRef::sourceId)).addValue(column(refs, MessageRef::messageId)))
                .replaceWithVoid();
    }

    /** Every member of every profile that holds one of these identifiers (in no particular order). */
    public Uni<List<Node>> profilesOf(SqlClient client, String space, Collection<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().item(new ArrayList<>());
        }
        return client.preparedQuery(PROFILES_OF).execute(Tuple.tuple().addValue(space)
                .addValue(hashes.stream().map(h -> space + "|" + h).toArray(String[]::new))).map(rows -> {
                    List<Node> nodes = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        nodes.add(new Node(row.getString(0), row.getString(1), row.getString(2), row.getString(3),
                                row.getBoolean(4), row.getOffsetDateTime(5).toInstant()));
                    }
                    return nodes;
                });
    }

    /** The link evidence whose both ends are among these identifiers. */
    public Uni<List<Edge>> edgesAmong(SqlClient client, String space, Collection<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().item(new ArrayList<>());
        }
        Set<String> among = hashes instanceof Set<String> set ? set : new HashSet<>(hashes);
        return client.preparedQuery(EDGES_FROM).execute(Tuple.tuple().addValue(space)
                .addValue(among.toArray(String[]::new))).map(rows -> {
                    List<Edge> edges = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        if (among.contains(row.getString(1))) {
                            edges.add(new Edge(row.getString(0), row.getString(1), row.getLong(2)));
                        }
                    }
                    return edges;
                });
    }

    /**
     * {@code count} log sequence numbers, ascending. Taken under the space lock, so within a space sequence order
     * is still commit order.
     */
    public Uni<long[]> nextSequences(SqlClient client, int count) {
        if (count == 0) {
            return Uni.createFrom().item(new long[0]);
        }
        return client.preparedQuery(NEXT_SEQUENCES).execute(Tuple.of(count)).map(rows -> {
            long[] seqs = new long[rows.size()];
            int i = 0;
            for (Row row : rows) {
                seqs[i++] = row.getLong(0);
            }
            java.util.Arrays.sort(seqs);
            return seqs;
        });
    }

    /** Appends entries, and the profiles each concerns (for ExplainProfile). */
    public Uni<Void> append(SqlClient client, List<NewEntry> entries, List<Long> refSeqs, List<String> refProfiles) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Tuple args = Tuple.tuple().addValue(entries.stream().map(NewEntry::seq).toArray(Long[]::new))
                .addValue(column(entries, NewEntry::space)).addValue(column(entries, NewEntry::kind))
                .addValue(column(entries, NewEntry::profileId))
                .addValue(column(entries, e -> String.join(",", e.absorbedProfileIds())))
                .addValue(column(entries, e -> String.join(",", e.splitProfileIds())))
                .addValue(column(entries, NewEntry::identifiersJson)).addValue(column(entries, NewEntry::rule))
                .addValue(column(entries, NewEntry::messageId)).addValue(column(entries, NewEntry::sourceId))
                .addValue(column(entries, NewEntry::actor)).addValue(column(entries, NewEntry::note))
                .addValue(times(entries, NewEntry::occurredAt)).addValue(times(entries, NewEntry::recordedAt))
                .addValue(column(entries, NewEntry::holdId));
        Uni<Void> appended = client.preparedQuery(APPEND).execute(args).replaceWithVoid();
        if (refSeqs.isEmpty()) {
            return appended;
        }
        return appended.chain(() -> client.preparedQuery(PROFILE_REFS).execute(Tuple.tuple()
                .addValue(refSeqs.toArray(Long[]::new)).addValue(refProfiles.toArray(String[]::new))))
                .replaceWithVoid();
    }

    /** Adds link evidence; an edge already recorded (same ends, same entry) is kept once. */
    public Uni<Void> addEdges(SqlClient client, String space, List<Edge> edges) {
        if (edges.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery(ADD_EDGES).execute(Tuple.tuple().addValue(space)
                .addValue(column(edges, Edge::a)).addValue(column(edges, Edge::b))
                .addValue(edges.stream().map(Edge::seq).toArray(Long[]::new))).replaceWithVoid();
    }

    /** Writes nodes as decided: new ones whole, existing ones' profile and ambiguity. */
    public Uni<Void> putNodes(SqlClient client, String space, Collection<Node> nodes) {
        if (nodes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Node> list = List.copyOf(nodes);
        String[] spaces = new String[list.size()];
        java.util.Arrays.fill(spaces, space);
        return client.preparedQuery(PUT_NODES).execute(Tuple.tuple().addValue(spaces)
                .addValue(column(list, Node::hash)).addValue(column(list, Node::namespace))
                .addValue(column(list, Node::cipher)).addValue(column(list, Node::profileId))
                .addValue(list.stream().map(Node::ambiguous).toArray(Boolean[]::new))
                .addValue(times(list, Node::linkedAt))).replaceWithVoid();
    }

    /** Records merges held for review, pending. */
    public Uni<Void> addHolds(SqlClient client, List<NewHold> holds) {
        if (holds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery(ADD_HOLDS).execute(Tuple.tuple().addValue(column(holds, NewHold::holdId))
                .addValue(column(holds, NewHold::space)).addValue(holds.stream().map(NewHold::seq).toArray(Long[]::new))
                .addValue(column(holds, h -> String.join(",", h.identifiers())))
                .addValue(times(holds, NewHold::heldAt))).replaceWithVoid();
    }

    private static <T> String[] column(List<T> rows, Function<T, String> value) {
        String[] out = new String[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = value.apply(rows.get(i));
        }
        return out;
    }

    private static <T> OffsetDateTime[] times(List<T> rows, Function<T, Instant> value) {
        OffsetDateTime[] out = new OffsetDateTime[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = OffsetDateTime.ofInstant(value.apply(rows.get(i)), ZoneOffset.UTC);
        }
        return out;
    }
}
