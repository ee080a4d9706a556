package dev.cairn.consent.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;

import dev.cairn.consent.store.ConsentRecordEntity;
import dev.cairn.consent.store.StateInputs;
import dev.cairn.consent.store.SubjectProfileRow;
import dev.cairn.consent.store.SubjectProfileTable;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.Identifier;

/**
 * Derives and publishes the current state of identifiers to {@code cairn.consent.state.v1}: for each profile
 * touched, the state of every one of its identifiers (consent follows identity).
 *
 * <p>
 * Set-based: the identifiers' groups (profile, or the identifier alone while identity knows none) are handled up
 * to {@link #GROUPS_PER_TRANSACTION} per transaction, with one statement each for the locks, the members, the
 * ledger records and the versions, and the states sent together; so a poll of identity changes that touches
 * hundreds of profiles costs a few round trips, not a few per profile.
 * <p>
 * Ordering: per group, derivation and publication run under a PostgreSQL advisory transaction lock (taken in hash
 * order, so overlapping sets do not deadlock), and state_version is taken from a sequence after the lock, before
 * reading the ledger. So two instances (or two concurrent calls) publish one profile's states one after the
 * other, the last value on the compacted topic is the newest derivation, and its version is the highest.
 */
@ApplicationScoped
public class StateRepublisher {

    public static final String TOPIC = "cairn.consent.state.v1";

    /**
     * Advisory locks live in PostgreSQL's shared lock table (max_locks_per_transaction × max_connections, 6,400
     * by default, for every session together): a bounded number per transaction leaves room for everyone else.
     */
    static final int GROUPS_PER_TRANSACTION = 256;

    @Inject
    Pool pool;

    @Inject
    SubjectProfileTable profiles;

    @Inject
    StateInputs inputs;

    @Inject
    DurablePublisher publisher;

    @Inject
    ConsentStateView view;

    @Inject
    MeterRegistry metrics;

    /** Republishes the state of the given identifiers and every identifier linked to them. */
    public Uni<Void> republish(Collection<String> subjectKeys) {
        return republishStates(subjectKeys).replaceWithVoid();
    }

    /** The same, returning the states published (in publication order): for tests that compare derivations. */
    public Uni<List<ConsentState>> republishStates(Collection<String> subjectKeys) {
        if (subjectKeys.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Set<String> requested = new LinkedHashSet<>(subjectKeys);
        return profiles.rowsOf(pool, requested, List.of()).flatMap(known -> {
            Map<String, String> profileOf = new HashMap<>();
            known.forEach(r -> profileOf.put(r.subjectKey(), r.profileId()));
            Map<String, List<String>> groups = new LinkedHashMap<>();
            for (String key : requested) {
                String profile = profileOf.get(key);
                groups.computeIfAbsent(profile == null ? "solo:" + key : "profile:" + profile,
                        g -> new ArrayList<>()).add(key);
            }
            List<Map<String, List<String>>> chunks = new ArrayList<>();
            Map<String, List<String>> chunk = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> g : groups.entrySet()) {
                if (chunk.size() == GROUPS_PER_TRANSACTION) {
                    chunks.add(chunk);
                    chunk = new LinkedHashMap<>();
                }
                chunk.put(g.getKey(), g.getValue());
            }
            chunks.add(chunk);
            return Multi.createFrom().iterable(chunks).onItem()
                    .transformToUniAndConcatenate(c -> pool.withTransaction(conn -> republishGroups(conn, c)))
                    .collect().in(ArrayList<ConsentState>::new, List::addAll).map(List::copyOf);
        });
    }

    private Uni<List<ConsentState>> republishGroups(SqlClient conn, Map<String, List<String>> groups) {
        List<String> profileIds = groups.keySet().stream().filter(g -> g.startsWith("profile:"))
                .map(g -> g.substring("profile:".length())).toList();
        return inputs.lock(conn, groups.keySet())
                .chain(() -> profiles.membersOf(conn, profileIds))
                .chain(rows -> {
                    Map<String, List<SubjectProfileRow>> byProfile = new HashMap<>();
                    rows.forEach(r -> byProfile.computeIfAbsent(r.profileId(), p -> new ArrayList<>()).add(r));
                    Set<String> keys = new LinkedHashSet<>();
                    rows.forEach(r -> keys.add(r.subjectKey()));
                    groups.values().forEach(keys::addAll);
                    return inputs.records(conn, keys).chain(records -> derive(conn, groups, byProfile, records));
                })
                .chain(states -> publish(states).replaceWith(states));
    }

    /**
     * Each group's members: its profile's rows, then any requested identifier with records (or none) that the
     * profile no longer lists; their states are derived over the records of every member.
     */
    private Uni<List<ConsentState>> derive(SqlClient conn, Map<String, List<String>> groups,
            Map<String, List<SubjectProfileRow>> byProfile, List<ConsentRecordEntity> records) {
        Map<String, List<ConsentRecordEntity>> recordsOf = new HashMap<>();
        records.forEach(r -> recordsOf.computeIfAbsent(r.subjectKey, k -> new ArrayList<>()).add(r));
        List<String> profileIdOf = new ArrayList<>();
        List<Map<String, Identifier>> membersOf = new ArrayList<>();
        int total = 0;
        for (Map.Entry<String, List<String>> g : groups.entrySet()) {
            String profileId = g.getKey().startsWith("profile:") ? g.getKey().substring("profile:".length()) : "";
            Map<String, Identifier> members = new LinkedHashMap<>();
            if (!profileId.isEmpty()) {
                for (SubjectProfileRow m : byProfile.getOrDefault(profileId, List.of())) {
                    members.put(m.subjectKey(), id(m.subjectNamespace(), m.subjectValue()));
                }
            }
            for (String k : g.getValue()) {
                for (ConsentRecordEntity r : recordsOf.getOrDefault(k, List.of())) {
                    members.putIfAbsent(r.subjectKey, id(r.subjectNamespace, r.subjectValue));
                }
                int colon = k.indexOf(':');
                members.putIfAbsent(k, id(k.substring(0, colon), k.substring(colon + 1)));
            }
            profileIdOf.add(profileId);
            membersOf.add(members);
            total += members.size();
        }
        return inputs.nextVersions(conn, total).map(versions -> {
            Instant now = Instant.now();
            List<ConsentState> states = new ArrayList<>(versions.size());
            int v = 0;
            for (int g = 0; g < membersOf.size(); g++) {
                List<ConsentRecordEntity> groupRecords = new ArrayList<>();
                membersOf.get(g).keySet().forEach(k -> groupRecords.addAll(recordsOf.getOrDefault(k, List.of())));
                for (Identifier member : membersOf.get(g).values()) {
                    states.add(StateDerivation.state(member, profileIdOf.get(g), groupRecords, versions.get(v++),
                            now));
                }
            }
            return states;
        });
    }

    /** Sends every state at once (the producer batches them) and completes when Kafka acknowledged them all. */
    private Uni<Void> publish(List<ConsentState> states) {
        if (states.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> sent = new ArrayList<>(states.size());
        for (ConsentState s : states) {
            String key = SubjectKeys.key(s.getSubject().getNamespace(), s.getSubject().getValue());
            byte[] bytes = s.toByteArray();
            sent.add(publisher.publish(TOPIC, key, bytes).invoke(() -> {
                // Read-your-writes for this instance's Decide; other instances see it via Kafka.
                view.apply(key, bytes);
                metrics.counter("cairn.consent.states.published").increment();
            }).replaceWithVoid());
        }
        return Uni.join().all(sent).andFailFast().replaceWithVoid();
    }

    private static Identifier id(String ns, String value) {
        return Identifier.newBuilder().setNamespace(ns).setValue(value).build();
    }
}
