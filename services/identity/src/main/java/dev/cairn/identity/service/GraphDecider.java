package dev.cairn.identity.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.rules.IdentityRules.NamespaceRule;
import dev.cairn.identity.service.GraphView.Edge;
import dev.cairn.identity.service.GraphView.Node;
import dev.cairn.identity.service.PlannedChange.Moved;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * Decides what identifiers seen together do to the graph, by the rules of contracts/identity/rules.yaml
 * (after {@link IdentifierScreen} has removed blocked values and normalized the rest): namespace limits and
 * priority, demotion of shared identifiers to ambiguous with the split it implies (when they would push a profile
 * past a limit, or join two people's strong identifiers), and merge caps. Pure: it
 * reads and changes a {@link GraphView} and returns the log entries that explain every change, so the same
 * input in the same order always gives the same graph.
 */
public final class GraphDecider {

    private final IdentityRules rules;
    private final Supplier<String> newProfileId;

    public GraphDecider(IdentityRules rules, Supplier<String> newProfileId) {
        this.rules = rules;
        this.newProfileId = newProfileId;
    }

    /**
     * The identifiers of one event, by hash; each must be in the view (a new one with a null profile). The
     * result is in the order the entries must be appended.
     */
    public List<PlannedChange> link(GraphView view, List<String> hashes, Instant eventTime) {
        List<PlannedChange> out = new ArrayList<>();
        List<Node> live = new ArrayList<>();
        for (String hash : new LinkedHashSet<>(hashes)) {
            Node node = view.node(hash);
            // An ambiguous identifier is shared by several people: it links nothing any more.
            if (!node.ambiguous()) {
                live.add(node);
            }
        }
        // Strongest first. Among equally strong identifiers, the best connected first: when a login meets a
        // profile that already has another user_id, the identifier with the most evidence there (a family
        // tablet seen with mum's logins) is the shared one; demoting it first frees what was linked only
        // through it (dad's anonymous session on that tablet), which then goes with dad's login.
        Map<String, Integer> degree = new HashMap<>();
        for (Edge e : view.edges()) {
            degree.merge(e.a(), 1, Integer::sum);
            degree.merge(e.b(), 1, Integer::sum);
        }
        live.sort(Comparator.comparingInt((Node n) -> rules.priority(n.namespace()))
                .thenComparing(Comparator.comparingInt((Node n) -> degree.getOrDefault(n.hash(), 0)).reversed())
                .thenComparing(Node::namespace).thenComparing(Node::hash));

        Set<String> clusterProfiles = new LinkedHashSet<>();
        List<Node> newcomers = new ArrayList<>();
        List<Node> clusterMembers = new ArrayList<>();
        List<Node> together = new ArrayList<>();
        for (Node x : live) {
            x = view.node(x.hash());
            if (x.ambiguous()) {
                continue;
            }
            if (x.profileId() != null && clusterProfiles.contains(x.profileId())) {
                together.add(x);
                continue;
            }
            List<Node> joining = x.profileId() != null ? view.members(x.profileId()) : List.of(x);
            List<Node> candidate = new ArrayList<>(clusterMembers);
            candidate.addAll(joining);
            Optional<String> violated = clusterMembers.isEmpty()
                    ? Optional.empty()
                    : violatedLimit(candidate, eventTime);
            if (violated.isPresent()) {
                String target = clusterProfiles.isEmpty() ? "" : clusterProfiles.iterator().next();
                NamespaceRule rule = rules.namespace(x.namespace());
                if (x.profileId() != null && rule.sharedBecomesAmbiguous()) {
                    out.addAll(demote(view, x, "ambiguous." + x.namespace()));
                } else {
                    out.add(PlannedChange.of(IdentityChangeKind.IDENTITY_CHANGE_KIND_REFUSED, target,
                            List.of(Moved.stays(x)), "limit." + violated.get()));
                    if (x.profileId() == null) {
                        // The lower-priority identifier stays with its own profile: a new one of its own.
                        String own = newProfileId.get();
                        out.add(PlannedChange.of(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, own,
                                List.of(Moved.of(x, own)), "limit." + violated.get()));
                        view.move(x.hash(), own);
                    }
                }
                continue;
            }
            if (x.profileId() != null && rules.namespace(x.namespace()).sharedBecomesAmbiguous()
                    && holdsStrong(clusterMembers) && holdsStrong(joining)) {
                // No limit trips (an email beside a user_id), yet the weak identifier is all that joins two
                // people's strong identifiers: a household device, its anonymous id or a recycled phone. Strong
                // identifiers only meet through an event that carries them together.
                out.addAll(demote(view, x, "weak_link." + x.namespace()));
                continue;
            }
            boolean joinsExisting = x.profileId() != null && !clusterProfiles.isEmpty();
            if (!clusterMembers.isEmpty() && (candidate.size() > rules.mergeCaps().maxProfileSize()
                    || joinsExisting && clusterProfiles.size() + 1 > rules.mergeCaps().maxProfilesPerEvent())) {
                String rule = candidate.size() > rules.mergeCaps().maxProfileSize()
                        ? "merge_cap.max_profile_size"
                        : "merge_cap.max_profiles_per_event";
                List<String> held = new ArrayList<>(clusterProfiles);
                if (x.profileId() != null) {
                    held.add(x.profileId());
                }
                List<Moved> ids = new ArrayList<>();
                together.stream().limit(1).forEach(t -> ids.add(Moved.stays(t)));
                ids.add(Moved.stays(x));
                out.add(new PlannedChange(IdentityChangeKind.IDENTITY_CHANGE_KIND_HELD, held.get(0), List.of(),
                        List.of(), ids, rule, held, List.of()));
                if (x.profileId() == null) {
                    String own = newProfileId.get();
                    out.add(PlannedChange.of(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED, own,
                            List.of(Moved.of(x, own)), rule));
                    view.move(x.hash(), own);
                }
                continue;
            }
            clusterMembers = candidate;
            together.add(x);
            if (x.profileId() != null) {
                clusterProfiles.add(x.profileId());
            } else {
                newcomers.add(x);
            }
        }
        out.addAll(join(view, clusterProfiles, newcomers, together, "link"));
        return out;
    }

    /** An operator's merge of two profiles: limits apply, caps do not (the operator is the review). */
    public List<PlannedChange> merge(GraphView view, String target, String source, Instant at, String rule) {
        List<Node> candidate = new ArrayList<>(view.members(target));
        candidate.addAll(view.members(source));
        Optional<String> violated = violatedLimit(candidate, at);
        if (violated.isPresent()) {
            return List.of(PlannedChange.of(IdentityChangeKind.IDENTITY_CHANGE_KIND_REFUSED, target,
                    view.members(source).stream().map(Moved::stays).toList(), "limit." + violated.get()));
        }
        Node a = strongest(view.members(target));
        Node b = strongest(view.members(source));
        Set<String> profiles = new LinkedHashSet<>(List.of(target, source));
        return join(view, profiles, List.of(), List.of(a, b), rule);
    }

    /**
     * Undoes a merge: the edges that merge created are cut, and the profile falls apart into its connected
     * components. The component holding identifiers that came from an absorbed profile gets that profile's id
     * back; the rest stays with {@code profileId}.
     */
    public Optional<PlannedChange> unmerge(GraphView view, String profileId, long mergeSeq,
            Map<String, String> originByHash, String rule) {
        List<Edge> cut = view.edges().stream().filter(e -> e.seq() == mergeSeq).toList();
        view.removeEdges(cut);
        List<List<Node>> parts = components(view, profileId, null);
        if (parts.size() < 2) {
            return Optional.empty();
        }
        List<String> restored = new ArrayList<>();
        List<Moved> moves = new ArrayList<>();
        for (List<Node> part : parts) {
            String origin = part.stream().map(n -> originByHash.get(n.hash())).filter(o -> o != null)
                    .filter(o -> !o.equals(profileId)).findFirst().orElse(null);
            if (origin == null) {
                continue;
            }
            restored.add(origin);
            for (Node n : part) {
                moves.add(Moved.of(n, origin));
                view.move(n.hash(), origin);
            }
        }
        if (restored.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PlannedChange(IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT, profileId, List.of(),
                restored, moves, rule, List.of(), List.of()));
    }

    /** Appends LINKED or MERGED for the accepted cluster, and its edges; changes the view. */
    private List<PlannedChange> join(GraphView view, Set<String> clusterProfiles, List<Node> newcomers,
            List<Node> together, String rule) {
        List<Edge> edges = new ArrayList<>();
        for (int i = 0; i < together.size(); i++) {
            for (int j = i + 1; j < together.size(); j++) {
                edges.add(Edge.of(together.get(i).hash(), together.get(j).hash(), 0));
            }
        }
        if (clusterProfiles.size() <= 1 && newcomers.isEmpty()) {
            // Nothing moves; the co-occurrence is still evidence that keeps these together on a split.
            edges.forEach(view::addEdge);
            return List.of();
        }
        String target = clusterProfiles.isEmpty() ? newProfileId.get() : clusterProfiles.iterator().next();
        List<String> absorbed = clusterProfiles.stream().filter(p -> !p.equals(target)).toList();
        List<Moved> moves = new ArrayList<>();
        for (String p : absorbed) {
            for (Node n : view.members(p)) {
                moves.add(Moved.of(n, target));
            }
        }
        for (Node n : newcomers) {
            moves.add(Moved.of(n, target));
        }
        for (Moved m : moves) {
            view.move(m.hash(), target);
        }
        IdentityChangeKind kind = absorbed.isEmpty()
                ? IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED
                : IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED;
        return List.of(new PlannedChange(kind, target, absorbed, List.of(), moves, rule, List.of(), edges));
    }

    /**
     * Demotes a shared identifier: it stays (flagged) with its profile, and whatever was linked to that
     * profile only through it is split off into profiles of its own.
     */
    private List<PlannedChange> demote(GraphView view, Node x, String rule) {
        List<PlannedChange> out = new ArrayList<>();
        view.demote(x.hash());
        String profile = x.profileId();
        List<List<Node>> parts = components(view, profile, x.hash());
        List<String> split = new ArrayList<>();
        List<Moved> moves = new ArrayList<>();
        for (List<Node> part : parts.subList(Math.min(1, parts.size()), parts.size())) {
            String id = newProfileId.get();
            split.add(id);
            for (Node n : part) {
                moves.add(Moved.of(n, id));
                view.move(n.hash(), id);
            }
        }
        out.add(new PlannedChange(IdentityChangeKind.IDENTITY_CHANGE_KIND_AMBIGUOUS, profile, List.of(), List.of(),
                List.of(Moved.stays(view.node(x.hash()))), rule, List.of(), List.of()));
        if (!split.isEmpty()) {
            out.add(new PlannedChange(IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT, profile, List.of(), split,
                    moves, rule, List.of(), List.of()));
        }
        return out;
    }

    /**
     * The connected components of a profile's non-ambiguous members over the edges among them, ignoring
     * {@code without}; the component holding the strongest identifier comes first. Ambiguous members stay put.
     */
    List<List<Node>> components(GraphView view, String profileId, String without) {
        List<Node> members = view.members(profileId).stream()
                .filter(n -> !n.ambiguous() && !n.hash().equals(without)).toList();
        Map<String, String> parent = new HashMap<>();
        members.forEach(n -> parent.put(n.hash(), n.hash()));
        for (Edge e : view.edgesWithin(parent.keySet())) {
            parent.put(find(parent, e.a()), find(parent, e.b()));
        }
        Map<String, List<Node>> byRoot = new LinkedHashMap<>();
        for (Node n : members) {
            byRoot.computeIfAbsent(find(parent, n.hash()), r -> new ArrayList<>()).add(n);
        }
        List<List<Node>> parts = new ArrayList<>(byRoot.values());
        parts.sort(Comparator.comparing((List<Node> part) -> strongest(part), nodeStrength()));
        return parts;
    }

    private static String find(Map<String, String> parent, String x) {
        String root = x;
        while (!parent.get(root).equals(root)) {
            root = parent.get(root);
        }
        parent.put(x, root);
        return root;
    }

    private Node strongest(List<Node> nodes) {
        return nodes.stream().min(nodeStrength()).orElseThrow();
    }

    private Comparator<Node> nodeStrength() {
        return Comparator.comparingInt((Node n) -> rules.priority(n.namespace()))
                .thenComparing(n -> n.linkedAt() == null ? Instant.MAX : n.linkedAt()).thenComparing(Node::hash);
    }

    private boolean holdsStrong(List<Node> nodes) {
        return nodes.stream().anyMatch(n -> rules.strong(n.namespace()));
    }

    /** The first namespace whose limit the members would exceed, counting only identifiers inside its window. */
    Optional<String> violatedLimit(List<Node> members, Instant at) {
        Map<String, Integer> counts = new HashMap<>();
        for (Node n : members) {
            NamespaceRule rule = rules.namespaces().get(n.namespace());
            if (rule == null || rule.limit().isEmpty()) {
                continue;
            }
            if (rule.window().isPresent() && n.linkedAt() != null
                    && n.linkedAt().isBefore(at.minus(rule.window().get()))) {
                continue;
            }
            int count = counts.merge(n.namespace(), 1, Integer::sum);
            if (count > rule.limit().getAsInt()) {
                return Optional.of(n.namespace());
            }
        }
        return Optional.empty();
    }
}
