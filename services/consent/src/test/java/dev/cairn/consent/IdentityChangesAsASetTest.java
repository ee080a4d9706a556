package dev.cairn.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.cairn.consent.service.IdentityFollower;
import dev.cairn.consent.service.StateRepublisher;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * A poll of identity changes applied as a set ({@link IdentityFollower}: one transaction, then one republish)
 * leaves {@code subject_profile} exactly as applying them one by one with the per-change applier that ran before
 * ({@link PerChangeApplier}, one transaction and one republish per change), and republishes the same identifiers
 * with the states the one-by-one path derives from that table. Random LINKED, MERGED, SPLIT, AMBIGUOUS and DELETED
 * changes over a few identifiers and profiles, with sequences out of order and repeated, on top of rows earlier
 * changes left; real PostgreSQL and Kafka. Each seed plays the same changes in two worlds (two key prefixes).
 */
@QuarkusTest
class IdentityChangesAsASetTest {

    private static final List<String> NAMESPACES = List.of("email", "user_id", "anonymous_id", "device_id");
    private static final int IDENTIFIERS = 14;
    private static final int PROFILES = 6;
    /** Identifiers 0..RECORDED-1 have consent records; identity never DELETEs those (erasure removes them first). */
    private static final int RECORDED = 8;

    @Inject
    IdentityFollower follower;

    @Inject
    PerChangeApplier perChange;

    @Inject
    StateRepublisher republisher;

    @Inject
    Pool pool;

    /** A change over identifier and profile indexes, materialized per world. */
    private record Planned(long seq, IdentityChangeKind kind, int profile, List<Integer> absorbed, List<Integer> split,
            List<Integer> ids) {
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void a_poll_applied_as_a_set_gives_the_table_and_states_of_applying_it_change_by_change(long seed)
            throws Throwable {
        Random random = new Random(seed);
        String one = "one-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        String set = "set-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        long base = (System.currentTimeMillis() % 1_000_000_000L) * 1_000L;
        List<Planned> before = plan(random, base, 12);
        List<Planned> poll = plan(random, base + 6, 40);
        for (String world : List.of(one, set)) {
            records(world, seed);
            // Rows an earlier poll left, the same in both worlds.
            for (Planned p : before) {
                oneByOne(change(p, world));
            }
        }

        Map<String, ConsentState> perChangeStates = new LinkedHashMap<>();
        for (Planned p : poll) {
            oneByOne(change(p, one)).forEach(s -> perChangeStates.put(key(s.getSubject()), s));
        }
        List<IdentityChange> changes = poll.stream().map(p -> change(p, set)).toList();
        Set<String> affected = VertxContextSupport.subscribeAndAwait(() -> follower.apply(changes));
        List<ConsentState> setStates = VertxContextSupport.subscribeAndAwait(() -> republisher.republishStates(
                affected));

        // The same table.
        Map<String, String> table = table(one);
        assertEquals(table, table(set), "seed " + seed + ": subject_profile after " + poll);
        assertFalse(table.isEmpty());

        // The same identifiers republished, each once, except those identity deleted in the poll and nothing
        // brought back: applied one by one, their last state went out before the deletion.
        Set<String> erased = new HashSet<>();
        for (Planned p : poll) {
            if (p.kind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_DELETED) {
                p.ids().forEach(i -> erased.add(identifier(i, "")));
            }
        }
        erased.removeIf(k -> table.containsKey(k));
        Map<String, ConsentState> bySet = new TreeMap<>();
        setStates.forEach(s -> assertEquals(null, bySet.put(strip(key(s.getSubject()), set), s),
                "seed " + seed + ": " + key(s.getSubject()) + " published once per poll"));
        Set<String> expectedKeys = new HashSet<>();
        perChangeStates.keySet().forEach(k -> expectedKeys.add(strip(k, one)));
        expectedKeys.removeAll(erased);
        assertEquals(new java.util.TreeSet<>(expectedKeys), bySet.keySet(), "seed " + seed + ": republished");

        // The same states: what the one-by-one path derives from its table (its last publication of an
        // identifier, re-derived once the whole poll is applied).
        List<String> oneKeys = expectedKeys.stream().map(k -> unstrip(k, one)).toList();
        List<ConsentState> derived = VertxContextSupport.subscribeAndAwait(() -> republisher.republishStates(oneKeys));
        Map<String, String> expected = new TreeMap<>();
        derived.forEach(s -> expected.put(strip(key(s.getSubject()), one), comparable(s, one)));
        Map<String, String> actual = new TreeMap<>();
        bySet.forEach((k, s) -> actual.put(k, comparable(s, set)));
        assertEquals(expected, actual, "seed " + seed + ": states");
        assertTrue(actual.values().stream().anyMatch(s -> s.contains("purposes")),
                "seed " + seed + ": some state carries a choice, so a wrong group would show");
    }

    /** One transaction and one republish per change, as consent did before; returns what it published. */
    private List<ConsentState> oneByOne(IdentityChange change) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> perChange.apply(change))
                .chain(affected -> republisher.republishStates(affected)));
    }

    private List<Planned> plan(Random random, long base, int n) {
        List<Planned> planned = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Mostly increasing, often out of order (up to 5 back), sometimes a repeat of an earlier change.
            if (!planned.isEmpty() && random.nextInt(8) == 0) {
                planned.add(planned.get(random.nextInt(planned.size())));
                continue;
            }
            long seq = base + i - random.nextInt(random.nextInt(3) == 0 ? 6 : 1);
            int roll = random.nextInt(12);
            IdentityChangeKind kind = roll < 5
                    ? IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED
                    : roll < 8
                            ? IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED
                            : roll < 10
                                    ? IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT
                                    : roll < 11
                                            ? IdentityChangeKind.IDENTITY_CHANGE_KIND_AMBIGUOUS
                                            : IdentityChangeKind.IDENTITY_CHANGE_KIND_DELETED;
            List<Integer> ids = new ArrayList<>();
            int count = 1 + random.nextInt(3);
            for (int j = 0; j < count; j++) {
                ids.add(kind == IdentityChangeKind.IDENTITY_CHANGE_KIND_DELETED
                        ? RECORDED + random.nextInt(IDENTIFIERS - RECORDED)
                        : random.nextInt(IDENTIFIERS));
            }
            List<Integer> absorbed = new ArrayList<>();
            List<Integer> split = new ArrayList<>();
            if (kind == IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED) {
                for (int j = random.nextInt(3); j > 0; j--) {
                    absorbed.add(random.nextInt(PROFILES));
                }
            } else if (kind == IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT
                    || kind == IdentityChangeKind.IDENTITY_CHANGE_KIND_AMBIGUOUS) {
                for (int j = random.nextInt(3); j > 0; j--) {
                    split.add(random.nextInt(PROFILES));
                }
            }
            planned.add(new Planned(seq, kind, random.nextInt(PROFILES), absorbed, split, ids));
        }
        return planned;
    }

    private static IdentityChange change(Planned p, String world) {
        IdentityChange.Builder b = IdentityChange.newBuilder().setSequence(p.seq()).setKind(p.kind())
                .setProfileId(world + "p" + p.profile());
        p.absorbed().forEach(a -> b.addAbsorbedProfileIds(world + "p" + a));
        p.split().forEach(s -> b.addSplitProfileIds(world + "p" + s));
        for (int i : p.ids()) {
            String k = identifier(i, world);
            b.addIdentifiers(Identifier.newBuilder().setNamespace(k.substring(0, k.indexOf(':')))
                    .setValue(k.substring(k.indexOf(':') + 1)));
        }
        return b.build();
    }

    private static String identifier(int i, String world) {
        return NAMESPACES.get(i % NAMESPACES.size()) + ":" + world + "i" + i;
    }

    /** A few grants and withdrawals on the recorded identifiers, the same in every world of a seed. */
    private void records(String world, long seed) throws Throwable {
        Random random = new Random(seed * 31);
        List<Tuple> rows = new ArrayList<>();
        for (int i = 0; i < RECORDED; i++) {
            String k = identifier(i, world);
            for (String purpose : List.of("analytics", "advertising")) {
                if (random.nextBoolean()) {
                    rows.add(Tuple.tuple().addValue(UUID.randomUUID()).addValue(k)
                            .addValue(k.substring(0, k.indexOf(':'))).addValue(k.substring(k.indexOf(':') + 1))
                            .addValue(purpose).addValue(random.nextBoolean() ? "GRANTED" : "WITHDRAWN")
                            .addValue(OffsetDateTime.ofInstant(Instant.parse("2026-01-01T00:00:00Z")
                                    .plusSeconds(random.nextInt(100)), ZoneOffset.UTC)));
                }
            }
        }
        VertxContextSupport.subscribeAndAwait(() -> pool.preparedQuery("insert into consent_record (id, subject_key, "
                + "subject_namespace, subject_value, purpose, jurisdiction, jurisdiction_in, status, source, "
                + "legal_basis, legal_basis_in, policy_version, policy_version_in, occurred_at, recorded_at, "
                + "recorded_by) values ($1, $2, $3, $4, $5, 'EU', '', $6, 'test', 'consent', '', 'v1', '', $7, "
                + "now(), 'test')").executeBatch(rows));
    }

    /** The world's rows, key (world stripped) to profile (stripped) and sequence. */
    private Map<String, String> table(String world) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> pool
                .preparedQuery("select subject_key, profile_id, identity_sequence, subject_namespace, subject_value "
                        + "from subject_profile where subject_key like '%' || $1 || '%'")
                .execute(Tuple.of(world)).map(rows -> {
                    Map<String, String> t = new TreeMap<>();
                    for (Row r : rows) {
                        t.put(strip(r.getString(0), world), strip(r.getString(1), world) + "@" + r.getLong(2) + " "
                                + r.getString(3) + "/" + strip(r.getString(4), world));
                    }
                    return t;
                }));
    }

    /** A state without what differs between worlds and runs (version, time, record ids). */
    private static String comparable(ConsentState s, String world) {
        ConsentState.Builder b = s.toBuilder().clearStateVersion().clearUpdatedAt();
        b.getPurposesBuilderList().forEach(p -> p.clearRecordId());
        return strip(b.build().toString(), world);
    }

    private static String key(Identifier i) {
        return i.getNamespace() + ":" + i.getValue();
    }

    private static String strip(String s, String world) {
        return s.replace(world, "");
    }

    private static String unstrip(String key, String world) {
        return key.substring(0, key.indexOf(':') + 1) + world + key.substring(key.indexOf(':') + 1);
    }
}
