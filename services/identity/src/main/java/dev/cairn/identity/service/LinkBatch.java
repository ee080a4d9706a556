package dev.cairn.identity.service;

import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.service.GraphView.Edge;
import dev.cairn.identity.service.GraphView.Node;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * Decides a poll's events one after another, in memory, against the rows a poll's reads loaded once: the nodes of
 * every identifier the poll names, every member of their profiles, and the link evidence among those members.
 * Each event sees exactly the {@link GraphView} it would have read from PostgreSQL had the events before it been
 * written (its identifiers' nodes, their profiles' members ordered by link time and hash, the evidence among
 * them), so a poll decided as a set gives the graph that deciding its events one transaction each gives.
 * <p>
 * What the poll changed is kept to be written once: the final state of every changed node, and the new evidence.
 * Entries get provisional sequences (-1, -2, … in decision order) until the writer allocates real ones; an edge
 * made by an entry carries its entry's provisional sequence.
 */
public final class LinkBatch {

    /** An identifier of an event, by keyed hash; {@code rule} names why it was stopped (null: accepted). */
    public record Named(String hash, Ident identifier, String rule) {
    }

    /** One screened event: what it names, and its cause. */
    public record Event(Cause cause, List<Named> accepted, List<Named> stopped) {
    }

    /**
     * What one event decided: its entries in append order, each with its provisional sequence. {@code unchanged}
     * when it appended nothing, moved nothing and brought no new evidence (a repeat visitor): nothing to write.
     */
    public record Decision(List<PlannedChange> changes, long firstProvisional, boolean unchanged) {
    }

    private static final Comparator<Node> LOAD_ORDER = Comparator.comparing(Node::linkedAt)
            .thenComparing(Node::hash);

    private final GraphDecider decider;
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<String, Set<String>> byProfile = new HashMap<>();
    private final Map<String, Set<Edge>> evidence = new HashMap<>();
    private final Map<String, Node> changed = new LinkedHashMap<>();
    private final List<Edge> newEdges = new ArrayList<>();
    private long entries;

    public LinkBatch(IdentityRules rules, Supplier<String> newProfileId, Collection<Node> loaded,
            Collection<Edge> loadedEdges) {
        this.decider = new GraphDecider(rules, newProfileId);
        loaded.forEach(this::put);
        loadedEdges.forEach(this::addEvidence);
    }

    /** Decides one event; {@code keys} must hold the key of every identifier that may be new and every stopped one. */
    public Decision decide(Event event, Map<String, byte[]> keys) {
        Cause cause = event.cause();
        GraphView view = viewOf(event.accepted());
        for (Named a : event.accepted()) {
            if (view.node(a.hash()) == null) {
                // PostgreSQL keeps microseconds: a new node must order as it will when read back.
                view.load(new Node(a.hash(), a.identifier().namespace(), IdentifierCipher.encrypt(keys.get(a.hash()),
                        a.hash(), a.identifier().value()), null, false,
                        cause.occurredAt().truncatedTo(ChronoUnit.MICROS)));
            }
        }
        List<PlannedChange> plan = new ArrayList<>();
        for (Named s : event.stopped()) {
            plan.add(PlannedChange.of(IdentityChangeKind.IDENTITY_CHANGE_KIND_REFUSED, "",
                    List.of(new PlannedChange.Moved(s.hash(), s.identifier().namespace(),
                            IdentifierCipher.encrypt(keys.get(s.hash()), s.hash(), s.identifier().value()), null,
                            null)),
                    s.rule()));
        }
        // Even when the others were junk, the one good identifier gets a profile, so it resolves.
        if (!event.accepted().isEmpty()) {
            plan.addAll(decider.link(view, event.accepted().stream().map(Named::hash).toList(), cause.occurredAt()));
            // A refusal of a junk value is filed under the profile the event's good identifiers went to, so that
            // explaining that profile shows what was refused and why.
            String profile = view.node(event.accepted().get(0).hash()).profileId();
            for (int i = 0; i < event.stopped().size(); i++) {
                PlannedChange refused = plan.get(i);
                plan.set(i, new PlannedChange(refused.kind(), profile == null ? "" : profile,
                        refused.absorbedProfileIds(), refused.splitProfileIds(), refused.identifiers(),
                        refused.rule(), refused.heldProfileIds(), refused.edges()));
            }
        }
        boolean moved = !view.changedNodes().isEmpty();
        for (Node n : view.changedNodes()) {
            put(n);
            changed.put(n.hash(), n);
        }
        boolean evidenced = false;
        for (Edge e : view.addedEdges()) {
            if (addEvidence(new Edge(e.a(), e.b(), 0))) {
                newEdges.add(new Edge(e.a(), e.b(), 0));
                evidenced = true;
            }
        }
        long first = -(entries + 1);
        for (PlannedChange change : plan) {
            long provisional = -(++entries);
            for (Edge e : change.edges()) {
                Edge made = new Edge(e.a(), e.b(), provisional);
                addEvidence(made);
                newEdges.add(made);
            }
        }
        return new Decision(plan, first, plan.isEmpty() && !moved && !evidenced);
    }

    /** Nodes the poll changed, in their final state, to write. */
    public Collection<Node> changedNodes() {
        return changed.values();
    }

    /** Evidence the poll added, in order: sequence 0 (seen together) or an entry's provisional sequence. */
    public List<Edge> newEdges() {
        return newEdges;
    }

    /** What {@code IdentityLedger} used to read for one event: the same nodes, in the same order, same edges. */
    private GraphView viewOf(List<Named> accepted) {
        Set<String> profiles = new LinkedHashSet<>();
        for (Named a : accepted) {
            Node n = nodes.get(a.hash());
            if (n != null) {
                profiles.add(n.profileId());
            }
        }
        List<Node> members = new ArrayList<>();
        for (String p : profiles) {
            for (String h : byProfile.getOrDefault(p, Set.of())) {
                members.add(nodes.get(h));
            }
        }
        members.sort(LOAD_ORDER);
        GraphView view = new GraphView();
        Set<String> in = new HashSet<>();
        for (Node m : members) {
            view.load(m);
            in.add(m.hash());
        }
        Set<Edge> among = new LinkedHashSet<>();
        for (Node m : members) {
            for (Edge e : evidence.getOrDefault(m.hash(), Set.of())) {
                if (in.contains(e.a()) && in.contains(e.b())) {
                    among.add(e);
                }
            }
        }
        among.forEach(view::loadEdge);
        return view;
    }

    private void put(Node n) {
        Node old = nodes.put(n.hash(), n);
        if (old != null && old.profileId() != null) {
            Set<String> members = byProfile.get(old.profileId());
            if (members != null) {
                members.remove(n.hash());
            }
        }
        if (n.profileId() != null) {
            byProfile.computeIfAbsent(n.profileId(), p -> new LinkedHashSet<>()).add(n.hash());
        }
    }

    /** Adds an edge as a row would be (unique by ends and entry); false when it was there already. */
    private boolean addEvidence(Edge e) {
        boolean added = evidence.computeIfAbsent(e.a(), h -> new LinkedHashSet<>()).add(e);
        evidence.computeIfAbsent(e.b(), h -> new LinkedHashSet<>()).add(e);
        return added;
    }
}
