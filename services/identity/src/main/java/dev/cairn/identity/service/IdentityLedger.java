package dev.cairn.identity.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;

import io.grpc.Status;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import dev.cairn.identity.repository.EntryIdentifiers;
import dev.cairn.identity.repository.ErasureRow;
import dev.cairn.identity.repository.GraphEdge;
import dev.cairn.identity.repository.GraphNode;
import dev.cairn.identity.repository.HeldMergeRow;
import dev.cairn.identity.repository.IdentifierKey;
import dev.cairn.identity.repository.LogEntry;
import dev.cairn.identity.repository.LogProfileRef;
import dev.cairn.identity.repository.SpaceRow;
import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.service.GraphView.Edge;
import dev.cairn.identity.service.GraphView.Node;
import dev.cairn.platform.grpc.NotFoundException;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * The operators' commands on the identity log (merge, unmerge, held merges, erasure): each is decided under its
 * space's lock (a row lock in PostgreSQL, the one {@link IdentityLinker} takes for links, so operators and
 * consumers decide one after another, in sequence order) against the graph state in PostgreSQL, and appended
 * with that state in one transaction. Redis and the changes topic are derived from the log afterwards
 * ({@link LogOutbox}), never written here.
 */
@ApplicationScoped
public class IdentityLedger {

    @Inject
    IdentityRules rules;

    @Inject
    IdentifierCipher cipher;

    /** An operator merge; a merge the limits refuse is recorded as REFUSED and reported as a failed precondition. */
    public Uni<LogEntry> merge(String space, String target, String source, Cause cause) {
        return Panache.withTransaction(() -> lock(space).chain(() -> profilesView(space, List.of(target, source)))
                .chain(view -> {
                    if (!view.hasProfile(target)) {
                        throw new NotFoundException("no profile " + target);
                    }
                    if (!view.hasProfile(source)) {
                        throw new NotFoundException("no profile " + source);
                    }
                    return write(space, view, decider().merge(view, target, source, cause.occurredAt(), "operator"),
                            cause, null);
                })).map(IdentityLedger::last);
    }

    /** Splits a profile back along its log into the profiles it was before the merge at {@code mergeSeq}. */
    public Uni<LogEntry> unmerge(String space, String profileId, long mergeSeq, Cause cause) {
        return Panache.withTransaction(() -> lock(space)
                .chain(() -> LogEntry.<LogEntry>findById(mergeSeq))
                .chain(merge -> {
                    if (merge == null || !merge.space.equals(space)
                            || !IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED.name().equals(merge.kind)) {
                        throw new NotFoundException("no MERGED entry with sequence " + mergeSeq);
                    }
                    Map<String, String> origin = new HashMap<>();
                    for (EntryIdentifiers.Item item : EntryIdentifiers.read(merge.identifiers)) {
                        if (item.from() != null) {
                            origin.put(item.h(), item.from());
                        }
                    }
                    return profilesView(space, List.of(profileId)).chain(view -> {
                        if (!view.hasProfile(profileId)) {
                            throw new NotFoundException("no profile " + profileId);
                        }
                        Optional<PlannedChange> split = decider().unmerge(view, profileId, mergeSeq, origin,
                                "operator.unmerge");
                        if (split.isEmpty()) {
                            throw Status.FAILED_PRECONDITION.withDescription("merge " + mergeSeq
                                    + " cannot be undone on " + profileId
                                    + ": later links connect its sides again, or it was already undone")
                                    .asRuntimeException();
                        }
                        return GraphEdge.delete("space = ?1 and seq = ?2", space, mergeSeq)
                                .chain(() -> write(space, view, List.of(split.get()), cause, null));
                    });
                })).map(IdentityLedger::last);
    }

    /** Approves a held merge: the profiles its identifiers are in now are merged (limits still apply). */
    public Uni<LogEntry> approve(String space, String holdId, Cause cause) {
        return Panache.withTransaction(() -> lock(space).chain(() -> pendingHold(space, holdId)).chain(hold -> {
            List<String> hashes = Arrays.asList(hold.identifiers.split(","));
            return view(space, hashes).chain(view -> {
                List<String> profiles = hashes.stream().map(view::node).filter(n -> n != null)
                        .map(Node::profileId).distinct().toList();
                if (profiles.size() < 2) {
                    throw Status.FAILED_PRECONDITION.withDescription("hold " + holdId
                            + ": its identifiers are no longer in two profiles (merged, split or erased since)")
                            .asRuntimeException();
                }
                List<PlannedChange> plan = new ArrayList<>();
                for (String other : profiles.subList(1, profiles.size())) {
                    plan.addAll(decider().merge(view, profiles.get(0), other, cause.occurredAt(), "operator.approve"));
                }
                hold.status = HeldMergeRow.APPROVED;
                return write(space, view, plan, cause, holdId);
            });
        })).map(IdentityLedger::last);
    }

    /** Rejects a held merge: a HOLD_REJECTED entry, nothing merged. */
    public Uni<LogEntry> reject(String space, String holdId, Cause cause) {
        return Panache.withTransaction(() -> lock(space).chain(() -> pendingHold(space, holdId))
                .chain(hold -> LogEntry.<LogEntry>findById(hold.seq).chain(held -> {
                    hold.status = HeldMergeRow.REJECTED;
                    PlannedChange rejected = new PlannedChange(IdentityChangeKind.IDENTITY_CHANGE_KIND_HOLD_REJECTED,
                            held.profileId, List.of(), List.of(),
                            EntryIdentifiers.read(held.identifiers).stream()
                                    .map(i -> new PlannedChange.Moved(i.h(), i.n(), i.c(), null, null)).toList(),
                            "operator.reject", List.of(), List.of());
                    return write(space, new GraphView(), List.of(rejected), cause, holdId);
                }))).map(IdentityLedger::last);
    }

    /** The result of an erasure, with the erased identifiers' values read before their keys were destroyed. */
    public record Erased(List<String> profileIds, List<Ident> identifiers, int keysDestroyed, long sequence) {
    }

    /** Erases every profile the identifiers are in: keys destroyed, graph rows dropped, one DELETED entry each. */
    public Uni<Erased> erase(String space, String requestId, List<Ident> identifiers, Cause cause) {
        return Panache.withTransaction(() -> lock(space).chain(() -> ErasureRow.<ErasureRow>findById(requestId))
                .chain(done -> {
                    if (done != null) {
                        return Uni.createFrom().item(new Erased(split(done.profileIds), List.of(),
                                done.keysDestroyed, done.seq));
                    }
                    List<String> hashes = identifiers.stream().map(cipher::hash).toList();
                    return view(space, hashes).chain(view -> {
                        List<String> profiles = hashes.stream().map(view::node).filter(n -> n != null)
                                .map(Node::profileId).distinct().toList();
                        List<Node> members = profiles.stream().flatMap(p -> view.members(p).stream()).toList();
                        List<String> memberHashes = members.stream().map(Node::hash).toList();
                        return existingKeys(memberHashes).chain(keys -> {
                            List<Ident> values = new ArrayList<>();
                            for (Node n : members) {
                                byte[] key = keys.get(n.hash());
                                if (key != null) {
                                    values.add(new Ident(n.namespace(),
                                            IdentifierCipher.decrypt(key, n.hash(), n.cipher())));
                                }
                            }
                            List<PlannedChange> plan = new ArrayList<>();
                            for (String p : profiles) {
                                plan.add(PlannedChange.of(IdentityChangeKind.IDENTITY_CHANGE_KIND_DELETED, p,
                                        view.members(p).stream()
                                                .map(n -> new PlannedChange.Moved(n.hash(), n.namespace(), null, null,
                                                        null))
                                                .toList(),
                                        "erasure"));
                            }
                            Uni<?> destroy = memberHashes.isEmpty()
                                    ? Uni.createFrom().voidItem()
                                    : IdentifierKey.delete("hash in ?1", memberHashes)
                                            .chain(() -> GraphNode.delete("space = ?1 and hash in ?2", space,
                                                    memberHashes))
                                            .chain(() -> GraphEdge.delete("space = ?1 and (a in ?2 or b in ?2)",
                                                    space, memberHashes));
                            return destroy.chain(() -> write(space, new GraphView(), plan, cause, null))
                                    .chain(entries -> {
                                        ErasureRow row = new ErasureRow();
                                        row.requestId = requestId;
                                        row.space = space;
                                        row.seq = entries.isEmpty() ? 0 : entries.get(0).seq;
                                        row.profileIds = String.join(",", profiles);
                                        row.keysDestroyed = keys.size();
                                        return row.<ErasureRow>persist().map(r -> new Erased(profiles, values,
                                                keys.size(), r.seq));
                                    });
                        });
                    });
                }));
    }

    private Uni<HeldMergeRow> pendingHold(String space, String holdId) {
        return HeldMergeRow.<HeldMergeRow>findById(holdId).map(hold -> {
            if (hold == null || !hold.space.equals(space)) {
                throw new NotFoundException("no held merge " + holdId);
            }
            if (!HeldMergeRow.PENDING.equals(hold.status)) {
                throw Status.FAILED_PRECONDITION.withDescription("held merge " + holdId + " was already "
                        + hold.status.toLowerCase()).asRuntimeException();
            }
            return hold;
        });
    }

    private GraphDecider decider() {
        return new GraphDecider(rules, () -> UUID.randomUUID().toString());
    }

    /** Serializes the space's writers: a row lock held until the transaction ends. */
    Uni<SpaceRow> lock(String space) {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("insert into identity_space (space, published_seq) values (?1, 0) "
                        + "on conflict do nothing").setParameter(1, space).executeUpdate()
                        .chain(() -> s.find(SpaceRow.class, space, LockModeType.PESSIMISTIC_WRITE)));
    }

    /** The keys that still exist of these identifiers (erasure reads values before destroying them). */
    private Uni<Map<String, byte[]>> existingKeys(List<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return IdentifierKey.<IdentifierKey>list("hash in ?1", hashes).map(found -> {
            Map<String, byte[]> keys = new HashMap<>();
            found.forEach(k -> keys.put(k.hash, k.keyBytes));
            return keys;
        });
    }

    /** The view a decision about these identifiers needs: their nodes, their profiles' members and edges. */
    Uni<GraphView> view(String space, java.util.Collection<String> hashes) {
        if (hashes.isEmpty()) {
            return Uni.createFrom().item(new GraphView());
        }
        return GraphNode.<GraphNode>list("space = ?1 and hash in ?2", space, List.copyOf(hashes))
                .chain(nodes -> profilesView(space,
                        nodes.stream().map(n -> n.profileId).distinct().toList()));
    }

    Uni<GraphView> profilesView(String space, List<String> profileIds) {
        GraphView view = new GraphView();
        if (profileIds.isEmpty()) {
            return Uni.createFrom().item(view);
        }
        return GraphNode.<GraphNode>list("space = ?1 and profileId in ?2 order by linkedAt, hash", space, profileIds)
                .chain(members -> {
                    members.forEach(m -> view.load(toNode(m)));
                    List<String> hashes = members.stream().map(m -> m.hash).toList();
                    if (hashes.isEmpty()) {
                        return Uni.createFrom().item(view);
                    }
                    return GraphEdge.<GraphEdge>list("space = ?1 and a in ?2 and b in ?2", space, hashes)
                            .map(edges -> {
                                edges.forEach(e -> view.loadEdge(new Edge(e.a, e.b, e.seq)));
                                return view;
                            });
                });
    }

    private static Node toNode(GraphNode n) {
        return new Node(n.hash, n.namespace, n.cipher, n.profileId, n.ambiguous, n.linkedAt);
    }

    /** Appends the plan's entries in order, then writes back the nodes and edges they changed. */
    private Uni<List<LogEntry>> write(String space, GraphView view, List<PlannedChange> plan, Cause cause,
            String holdId) {
        Instant now = Instant.now();
        return Sequential.each(plan, change -> {
            LogEntry e = new LogEntry();
            e.space = space;
            e.kind = change.kind().name();
            e.profileId = change.profileId();
            e.absorbedProfileIds = String.join(",", change.absorbedProfileIds());
            e.splitProfileIds = String.join(",", change.splitProfileIds());
            e.identifiers = EntryIdentifiers.write(change.identifiers().stream()
                    .map(m -> new EntryIdentifiers.Item(m.namespace(), m.hash(), m.cipher(), m.toProfile(),
                            m.fromProfile()))
                    .toList());
            e.rule = change.rule();
            e.messageId = cause.messageId();
            e.sourceId = cause.sourceId();
            e.actor = cause.actor();
            e.note = cause.note();
            e.occurredAt = cause.occurredAt();
            e.recordedAt = now;
            boolean held = change.kind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_HELD;
            e.holdId = held ? UUID.randomUUID().toString() : holdId == null ? "" : holdId;
            return e.<LogEntry>persist().chain(saved -> {
                Set<String> refs = new LinkedHashSet<>();
                if (!saved.profileId.isEmpty()) {
                    refs.add(saved.profileId);
                }
                refs.addAll(change.absorbedProfileIds());
                refs.addAll(change.splitProfileIds());
                refs.addAll(change.heldProfileIds());
                List<LogProfileRef> rows = refs.stream().map(p -> LogProfileRef.of(saved.seq, p)).toList();
                Uni<Void> persisted = rows.isEmpty() ? Uni.createFrom().voidItem() : LogProfileRef.persist(rows);
                return persisted.chain(() -> insertEdges(space, change.edges(), saved.seq)).chain(() -> {
                    if (!held) {
                        return Uni.createFrom().item(saved);
                    }
                    HeldMergeRow hold = new HeldMergeRow();
                    hold.holdId = saved.holdId;
                    hold.space = space;
                    hold.seq = saved.seq;
                    hold.status = HeldMergeRow.PENDING;
                    hold.identifiers = String.join(",",
                            change.identifiers().stream().map(PlannedChange.Moved::hash).toList());
                    hold.heldAt = now;
                    return hold.persist().replaceWith(saved);
                });
            });
        }).chain(entries -> insertEdges(space, view.addedEdges(), 0).chain(() -> writeNodes(space, view))
                .replaceWith(entries));
    }

    /** All of one entry's edges in one statement (an event has a handful of identifiers, so a few pairs). */
    private Uni<Void> insertEdges(String space, List<Edge> edges, long seq) {
        if (edges.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        StringBuilder sql = new StringBuilder("insert into identity_edge (space, a, b, seq) values ");
        for (int i = 0; i < edges.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(?1, ?").append(3 + 2 * i).append(", ?").append(4 + 2 * i)
                    .append(", ?2)");
        }
        sql.append(" on conflict do nothing");
        return Panache.getSession().chain(s -> {
            var query = s.createNativeQuery(sql.toString()).setParameter(1, space).setParameter(2, seq);
            for (int i = 0; i < edges.size(); i++) {
                query.setParameter(3 + 2 * i, edges.get(i).a()).setParameter(4 + 2 * i, edges.get(i).b());
            }
            return query.executeUpdate();
        }).replaceWithVoid();
    }

    private Uni<Void> writeNodes(String space, GraphView view) {
        List<Node> changed = view.changedNodes();
        if (changed.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // One query for the rows that exist (managed: changed fields are flushed at commit), one insert batch.
        return GraphNode.<GraphNode>list("id in ?1", changed.stream().map(n -> GraphNode.id(space, n.hash())).toList())
                .chain(rows -> {
                    Map<String, GraphNode> byHash = new HashMap<>();
                    rows.forEach(r -> byHash.put(r.hash, r));
                    List<GraphNode> created = new ArrayList<>();
                    for (Node n : changed) {
                        GraphNode row = byHash.get(n.hash());
                        if (row == null) {
                            row = new GraphNode();
                            row.id = GraphNode.id(space, n.hash());
                            row.space = space;
                            row.hash = n.hash();
                            row.namespace = n.namespace();
                            row.cipher = n.cipher();
                            row.linkedAt = n.linkedAt();
                            created.add(row);
                        }
                        row.profileId = n.profileId();
                        row.ambiguous = n.ambiguous();
                    }
                    return created.isEmpty() ? Uni.createFrom().voidItem() : GraphNode.persist(created);
                });
    }

    private static LogEntry last(List<LogEntry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalStateException("no entry was appended");
        }
        return entries.get(entries.size() - 1);
    }

    private static List<String> split(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }
}
