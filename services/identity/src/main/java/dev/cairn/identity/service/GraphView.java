package dev.cairn.identity.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of the identity graph one decision needs: the nodes of the event's identifiers, every member of
 * the profiles they belong to, and the link evidence (edges: identifiers seen together) among them. Loaded
 * from PostgreSQL under the space's lock and changed in place by {@link GraphDecider}; what changed is then
 * written back in the same transaction as the log entries that explain it.
 */
public final class GraphView {

    /**
     * One identifier in the graph, by keyed hash (the value itself is only in {@code cipher}, encrypted with
     * the identifier's own key). {@code profileId} is null for an identifier seen for the first time.
     */
    public record Node(String hash, String namespace, String cipher, String profileId, boolean ambiguous,
            Instant linkedAt) {

        Node inProfile(String profile) {
            return new Node(hash, namespace, cipher, profile, ambiguous, linkedAt);
        }

        Node demoted() {
            return new Node(hash, namespace, cipher, profileId, true, linkedAt);
        }
    }

    /** Two identifiers seen together; {@code a < b}. {@code seq} is the log entry that linked them (0: none). */
    public record Edge(String a, String b, long seq) {

        public static Edge of(String x, String y, long seq) {
            return x.compareTo(y) < 0 ? new Edge(x, y, seq) : new Edge(y, x, seq);
        }

        boolean touches(String hash) {
            return a.equals(hash) || b.equals(hash);
        }
    }

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, LinkedHashSet<String>> profiles = new HashMap<>();
    private final List<Edge> edges = new ArrayList<>();
    private final Set<String> changed = new LinkedHashSet<>();
    private final List<Edge> added = new ArrayList<>();

    /** Adds a node as loaded (not a change). */
    public GraphView load(Node node) {
        nodes.put(node.hash(), node);
        if (node.profileId() != null) {
            profiles.computeIfAbsent(node.profileId(), p -> new LinkedHashSet<>()).add(node.hash());
        }
        return this;
    }

    public GraphView loadEdge(Edge edge) {
        edges.add(edge);
        return this;
    }

    public Node node(String hash) {
        return nodes.get(hash);
    }

    public boolean hasProfile(String profileId) {
        return profiles.containsKey(profileId) && !profiles.get(profileId).isEmpty();
    }

    /** The members of a profile, in load order. */
    public List<Node> members(String profileId) {
        List<Node> result = new ArrayList<>();
        for (String hash : profiles.getOrDefault(profileId, new LinkedHashSet<>())) {
            result.add(nodes.get(hash));
        }
        return result;
    }

    public List<Edge> edges() {
        return List.copyOf(edges);
    }

    /** Edges whose both ends are in {@code hashes}. */
    public List<Edge> edgesWithin(Collection<String> hashes) {
        Set<String> in = new HashSet<>(hashes);
        List<Edge> result = new ArrayList<>();
        for (Edge e : edges) {
            if (in.contains(e.a()) && in.contains(e.b())) {
                result.add(e);
            }
        }
        return result;
    }

    void move(String hash, String toProfile) {
        Node node = nodes.get(hash);
        if (node.profileId() != null) {
            LinkedHashSet<String> old = profiles.get(node.profileId());
            if (old != null) {
                old.remove(hash);
            }
        }
        nodes.put(hash, node.inProfile(toProfile));
        profiles.computeIfAbsent(toProfile, p -> new LinkedHashSet<>()).add(hash);
        changed.add(hash);
    }

    void demote(String hash) {
        nodes.put(hash, nodes.get(hash).demoted());
        changed.add(hash);
    }

    void addEdge(Edge edge) {
        edges.add(edge);
        added.add(edge);
    }

    /** Evidence recorded by decisions without an entry of its own (identifiers already together). */
    public List<Edge> addedEdges() {
        return List.copyOf(added);
    }

    void removeEdges(Collection<Edge> removed) {
        edges.removeAll(removed);
    }

    /** Nodes created or changed by decisions since loading, to write back. */
    public List<Node> changedNodes() {
        return changed.stream().map(nodes::get).toList();
    }
}
