package dev.cairn.identity.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.cairn.identity.rules.IdentityRules;
import dev.cairn.identity.rules.IdentityRulesLoaderTest;
import dev.cairn.identity.service.GraphView.Edge;
import dev.cairn.identity.service.GraphView.Node;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * The decision rules on a graph kept in memory between events, exactly as the ledger keeps it in PostgreSQL
 * (nodes, profiles, edges). Identifier "hashes" here are readable strings like {@code user_id:u1}.
 */
class GraphDeciderTest {

    private static final IdentityRules RULES = IdentityRulesLoaderTest.repositoryRules();
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A whole graph in memory, standing in for the tables, so several events can be applied in a row. */
    static final class Graph {
        final Map<String, Node> nodes = new HashMap<>();
        final List<Edge> edges = new ArrayList<>();
        final List<PlannedChange> log = new ArrayList<>();
        int nextProfile = 1;
        long seq = 0;

        List<PlannedChange> event(Instant at, String... ids) {
            GraphView view = new GraphView();
            Set<String> profiles = new TreeSet<>();
            for (String id : ids) {
                Node n = nodes.get(id);
                if (n != null) {
                    profiles.add(n.profileId());
                }
            }
            nodes.values().stream().filter(n -> profiles.contains(n.profileId())).forEach(view::load);
            for (String id : ids) {
                if (!nodes.containsKey(id)) {
                    view.load(new Node(id, id.substring(0, id.indexOf(':')), "", null, false, at));
                }
            }
            edges.forEach(view::loadEdge);
            List<PlannedChange> changes = new GraphDecider(RULES, () -> "p" + nextProfile++).link(view, List.of(ids),
                    at);
            commit(view, changes);
            return changes;
        }

        void commit(GraphView view, List<PlannedChange> changes) {
            view.changedNodes().forEach(n -> nodes.put(n.hash(), n));
            for (PlannedChange c : changes) {
                seq++;
                for (Edge e : c.edges()) {
                    edges.add(Edge.of(e.a(), e.b(), seq));
                }
                log.add(c);
            }
            edges.addAll(view.addedEdges());
        }

        List<PlannedChange> event(String... ids) {
            return event(T0, ids);
        }

        String profile(String id) {
            return nodes.get(id).profileId();
        }

        Set<String> members(String id) {
            String p = profile(id);
            return nodes.values().stream().filter(n -> n.profileId().equals(p)).map(Node::hash)
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void identifiers_seen_together_link_into_one_profile() {
        Graph g = new Graph();
        assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED,
                g.event("anonymous_id:a1", "user_id:u1").get(0).kind());
        g.event("user_id:u1", "email:u1@x.org");
        assertEquals(Set.of("anonymous_id:a1", "user_id:u1", "email:u1@x.org"), g.members("anonymous_id:a1"));
    }

    @Test
    void two_profiles_joined_by_an_event_merge_into_the_stronger_identifiers_profile() {
        Graph g = new Graph();
        g.event("anonymous_id:a1", "device_id:d1");
        g.event("user_id:u1", "email:u1@x.org");
        List<PlannedChange> changes = g.event("anonymous_id:a1", "user_id:u1");
        assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED, changes.get(0).kind());
        assertEquals(g.profile("user_id:u1"), changes.get(0).profileId(), "the user_id's profile survives");
        assertEquals(4, g.members("device_id:d1").size());
    }

    @Test
    void a_link_past_a_namespace_limit_is_refused_and_the_lower_priority_identifier_keeps_its_own_profile() {
        Graph g = new Graph();
        g.event("user_id:u1", "crm_id:c1");
        List<PlannedChange> changes = g.event("user_id:u1", "crm_id:c2");
        assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_REFUSED, changes.get(0).kind());
        assertEquals("limit.crm_id", changes.get(0).rule());
        assertEquals(Set.of("user_id:u1", "crm_id:c1"), g.members("user_id:u1"));
        assertEquals(Set.of("crm_id:c2"), g.members("crm_id:c2"), "the refused identifier resolves on its own");
    }

    @Test
    void two_user_ids_never_merge_through_an_email() {
        Graph g = new Graph();
        g.event("user_id:u1", "email:shared@family.org");
        List<PlannedChange> changes = g.event("user_id:u2", "email:shared@family.org");
        assertEquals("limit.user_id", changes.get(0).rule());
        assertTrue(!g.profile("user_id:u1").equals(g.profile("user_id:u2")));
    }

    @Test
    void a_shared_device_becomes_ambiguous_and_what_linked_only_through_it_is_split_off() {
        Graph g = new Graph();
        g.event("user_id:u1", "device_id:tablet");
        g.event("device_id:tablet", "anonymous_id:a-kid");
        assertEquals(3, g.members("user_id:u1").size());
        List<PlannedChange> changes = g.event("user_id:u2", "device_id:tablet");
        assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_AMBIGUOUS, changes.get(0).kind());
        assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT, changes.get(1).kind());
        assertTrue(g.nodes.get("device_id:tablet").ambiguous());
        assertEquals(Set.of("user_id:u1", "device_id:tablet"), g.members("user_id:u1"),
                "the device stays, flagged, with the profile it was first linked to");
        assertEquals(Set.of("anonymous_id:a-kid"), g.members("anonymous_id:a-kid"), "split off again");
        assertEquals(Set.of("user_id:u2"), g.members("user_id:u2"));
        g.event("user_id:u3", "device_id:tablet");
        assertEquals(Set.of("user_id:u3"), g.members("user_id:u3"), "an ambiguous identifier links nothing more");
    }

    @Test
    void a_session_on_someone_elses_tablet_goes_with_whoever_logs_in_and_the_tablet_becomes_ambiguous() {
        Graph g = new Graph();
        // Mum logs in on the family tablet; the tablet is in her profile.
        g.event("user_id:mum", "anonymous_id:a-mum", "device_id:tablet");
        // Dad browses on it anonymously: his session links to mum's profile, through the tablet alone.
        g.event("anonymous_id:a-dad", "device_id:tablet");
        assertEquals(g.profile("user_id:mum"), g.profile("anonymous_id:a-dad"));
        // Dad logs in. The tablet is what joins two user_ids: it is the shared one, so it is demoted first,
        // which frees his session (linked only through it) to go with his login.
        List<PlannedChange> changes = g.event("user_id:dad", "anonymous_id:a-dad", "device_id:tablet");
        assertTrue(g.nodes.get("device_id:tablet").ambiguous(), changes.toString());
        assertTrue(!g.nodes.get("anonymous_id:a-dad").ambiguous(), "the session was not shared: " + changes);
        assertEquals(Set.of("user_id:dad", "anonymous_id:a-dad"), g.members("user_id:dad"));
        assertEquals(Set.of("user_id:mum", "anonymous_id:a-mum", "device_id:tablet"), g.members("user_id:mum"),
                "the tablet stays, flagged, in the log with the profile it was first linked to");
    }

    @Test
    void an_anonymous_id_that_never_reset_is_ambiguous_like_the_tablet() {
        Graph g = new Graph();
        g.event("user_id:mum", "anonymous_id:a-tablet", "device_id:tablet");
        List<PlannedChange> changes = g.event("user_id:dad", "anonymous_id:a-tablet", "device_id:tablet");
        assertTrue(g.nodes.get("device_id:tablet").ambiguous(), changes.toString());
        assertTrue(g.nodes.get("anonymous_id:a-tablet").ambiguous(), "seen with mum's login too: " + changes);
        assertEquals(Set.of("user_id:dad"), g.members("user_id:dad"));
    }

    @Test
    void a_merge_joining_more_profiles_than_the_cap_is_held() {
        Graph g = new Graph();
        for (int i = 1; i <= 4; i++) {
            g.event("anonymous_id:a" + i, "device_id:d" + i);
        }
        List<PlannedChange> changes = g.event("anonymous_id:a1", "anonymous_id:a2", "anonymous_id:a3",
                "anonymous_id:a4");
        assertTrue(changes.stream().anyMatch(c -> c.kind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_HELD
                && c.rule().equals("merge_cap.max_profiles_per_event")), changes.toString());
        assertEquals(6, g.members("anonymous_id:a1").size(), "three profiles merged, the fourth held");
        assertEquals(2, g.members("anonymous_id:a4").size());
    }

    @Test
    void a_namespace_window_counts_only_recent_identifiers_towards_its_limit() {
        Graph g = new Graph();
        Instant old = T0.minus(Duration.ofDays(200));
        for (int i = 1; i <= 20; i++) {
            g.event(old, "user_id:u1", "device_id:old" + i);
        }
        g.event(T0, "user_id:u1", "device_id:new1");
        assertEquals(22, g.members("user_id:u1").size(), "20 devices older than 90 days do not count");
        for (int i = 2; i <= 20; i++) {
            g.event(T0, "user_id:u1", "device_id:new" + i);
        }
        List<PlannedChange> changes = g.event(T0, "user_id:u1", "device_id:new21");
        assertEquals("limit.device_id", changes.get(0).rule());
    }

    @Test
    void unmerge_cuts_the_merges_evidence_and_gives_the_absorbed_profile_its_id_back() {
        Graph g = new Graph();
        g.event("anonymous_id:a1", "device_id:d1");
        g.event("user_id:u1", "email:u1@x.org");
        String absorbed = g.profile("anonymous_id:a1");
        g.event("anonymous_id:a1", "user_id:u1");
        long mergeSeq = g.seq;
        g.event("device_id:d1", "anonymous_id:a9");
        PlannedChange merge = g.log.get((int) mergeSeq - 1);
        Map<String, String> origin = new HashMap<>();
        merge.identifiers().forEach(m -> {
            if (m.fromProfile() != null) {
                origin.put(m.hash(), m.fromProfile());
            }
        });
        GraphView view = new GraphView();
        String target = g.profile("user_id:u1");
        g.nodes.values().stream().filter(n -> n.profileId().equals(target)).forEach(view::load);
        g.edges.forEach(view::loadEdge);
        PlannedChange split = new GraphDecider(RULES, () -> "px").unmerge(view, target, mergeSeq, origin, "operator")
                .orElseThrow();
        g.edges.removeIf(e -> e.seq() == mergeSeq);
        g.commit(view, List.of(split));
        assertEquals(List.of(absorbed), split.splitProfileIds());
        assertEquals(Set.of("anonymous_id:a1", "device_id:d1", "anonymous_id:a9"), g.members("anonymous_id:a1"),
                "identifiers linked since go with the profile they were linked through");
        assertEquals(absorbed, g.profile("anonymous_id:a1"));
        assertEquals(Set.of("user_id:u1", "email:u1@x.org"), g.members("user_id:u1"));
    }

    @Test
    void applying_the_same_event_again_changes_nothing() {
        Graph g = new Graph();
        g.event("anonymous_id:a1", "user_id:u1");
        assertEquals(List.of(), g.event("anonymous_id:a1", "user_id:u1"));
    }
    @Test
    void a_household_device_never_joins_someone_who_only_gave_an_email_to_someone_who_logs_in() {
        Graph g = new Graph();
        // She never logs in: she gave her email on the family laptop, once.
        g.event("anonymous_id:a-her", "device_id:laptop", "email:her@x.org");
        // He has an account, from his phone.
        g.event("anonymous_id:a-his-phone", "user_id:him", "email:him@x.org");
        // He logs in on the laptop: an email beside a user_id trips no limit, the laptop alone joins them.
        List<PlannedChange> changes = g.event("anonymous_id:a-his", "device_id:laptop", "user_id:him");
        assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_AMBIGUOUS, changes.get(0).kind(), changes.toString());
        assertEquals("weak_link.device_id", changes.get(0).rule());
        assertTrue(g.nodes.get("device_id:laptop").ambiguous());
        assertTrue(!g.profile("email:her@x.org").equals(g.profile("user_id:him")), changes.toString());
        assertEquals(Set.of("anonymous_id:a-her", "email:her@x.org", "device_id:laptop"), g.members("email:her@x.org"),
                "her session stays with her email; the laptop stays, flagged, where it was first linked");
        assertEquals(Set.of("anonymous_id:a-his", "anonymous_id:a-his-phone", "user_id:him", "email:him@x.org"),
                g.members("user_id:him"));
    }

    @Test
    void the_order_the_two_people_arrive_in_does_not_matter_and_a_first_login_is_no_exception() {
        Graph g = new Graph();
        // His very first event is the login on the laptop: his user_id is new, not yet a profile.
        g.event("anonymous_id:a-his", "device_id:laptop", "user_id:him");
        List<PlannedChange> changes = g.event("anonymous_id:a-her", "device_id:laptop", "email:her@x.org");
        assertEquals("weak_link.device_id", changes.get(0).rule(), changes.toString());
        assertEquals(Set.of("anonymous_id:a-her", "email:her@x.org"), g.members("email:her@x.org"));
        assertEquals(Set.of("anonymous_id:a-his", "device_id:laptop", "user_id:him"), g.members("user_id:him"));

        Graph reversed = new Graph();
        reversed.event("anonymous_id:a-her", "device_id:laptop", "email:her@x.org");
        reversed.event("anonymous_id:a-his", "device_id:laptop", "user_id:him");
        assertTrue(!reversed.profile("email:her@x.org").equals(reversed.profile("user_id:him")));
        assertEquals(Set.of("anonymous_id:a-his", "user_id:him"), reversed.members("user_id:him"));
    }

    @Test
    void a_recycled_phone_never_joins_its_old_owners_email_to_its_new_owners() {
        Graph g = new Graph();
        g.event("email:old@x.org", "phone:+15550100");
        List<PlannedChange> changes = g.event("email:new@x.org", "phone:+15550100");
        assertEquals("weak_link.phone", changes.get(0).rule(), changes.toString());
        assertTrue(!g.profile("email:old@x.org").equals(g.profile("email:new@x.org")));
        assertEquals(Set.of("email:new@x.org"), g.members("email:new@x.org"));
    }

    @Test
    void weak_identifiers_still_join_a_visitor_to_their_own_login() {
        Graph g = new Graph();
        // Anonymous browsing on two devices, then a login on each: only one side ever holds a strong identifier.
        g.event("anonymous_id:a1", "device_id:d1");
        g.event("anonymous_id:a2", "device_id:d2", "phone:+15550199");
        g.event("anonymous_id:a1", "device_id:d1", "user_id:u1", "email:u1@x.org");
        List<PlannedChange> changes = g.event("anonymous_id:a2", "device_id:d2", "user_id:u1");
        assertEquals(IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED, changes.get(0).kind(), changes.toString());
        assertEquals(Set.of("anonymous_id:a1", "device_id:d1", "user_id:u1", "email:u1@x.org", "anonymous_id:a2",
                "device_id:d2", "phone:+15550199"), g.members("user_id:u1"));
        // Two strong identifiers seen together in one event still link: that is the evidence weak links lack.
        g.event("email:her@x.org", "anonymous_id:a9");
        g.event("email:her@x.org", "user_id:her");
        assertEquals(g.profile("user_id:her"), g.profile("anonymous_id:a9"));
    }

}
