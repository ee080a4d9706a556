package dev.cairn.segments.store;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

import dev.cairn.platform.grpc.DependencyUnavailableException;
import dev.cairn.segments.streams.ServingCopyTasks;

/**
 * The read side of Redis for request-time answers; non-blocking.
 *
 * <p>
 * An identifier is answered from the profile it maps to, following {@link MembershipStore#MERGED_INTO} from a
 * merged-away profile to its survivor. The identifier index is written by the identifier stage and memberships by
 * the profile stage, so after a merge the survivor can show the merge before every identifier's mapping moved;
 * the absorbed profile is marked before its state leaves for the survivor, so a read that still lands on it is
 * sent on, and the caller sees the survivor by profile and by every identifier at once. The mark shares the
 * membership hash, so the common case costs no extra round trip for IsMember and ListMemberships.
 */
@ApplicationScoped
public class MembershipReader {

    private static final Logger LOG = Logger.getLogger(MembershipReader.class);
    /** Merges chain (a into b, b into c) only while they are in flight; a longer chain is a cycle, i.e. a bug. */
    static final int MAX_FORWARDS = 8;

    @Inject
    ReactiveRedisDataSource redis;
    @Inject
    ServingCopyTasks tasks;

    /** One stored membership entry. */
    public record StoredMembership(String segmentId, long version, boolean member, long since, long definitionVersion) {
        static StoredMembership parse(String segmentId, Response raw) {
            return raw == null ? null : parse(segmentId, raw.toString());
        }

        static StoredMembership parse(String segmentId, String raw) {
            String[] p = raw.split("\\|");
            return new StoredMembership(segmentId, Long.parseLong(p[0]), p[1].equals("1"), Long.parseLong(p[2]),
                    Long.parseLong(p[3]));
        }
    }

    /** A value read for a profile, and the profile it was read from (the survivor, if the asked one was merged). */
    public record Located<T>(String profileId, T value) {
    }

    /** One stored trait: its Value bytes and the event time that set it. */
    public record StoredTrait(long time, byte[] value) {
    }

    /**
     * The profile an identifier belongs to, past any merge in flight; an identifier identity never linked, or whose
     * profile was erased, is its own profile.
     */
    public Uni<String> resolve(String identifier) {
        return mapped(identifier)
                .chain(profileId -> follow(identifier, profileId, 0, MembershipStore.MERGED_INTO)
                        .map(Located::profileId));
    }

    private Uni<String> mapped(String identifier) {
        return call("GET", MembershipStore.identifierKey(identifier))
                .map(r -> r == null ? identifier : r.toString());
    }

    /** The stored membership of exactly this profile (no forwarding: a merged-away profile is no member). */
    public Uni<StoredMembership> membership(String profileId, String segmentId) {
        return call("HGET", MembershipStore.membershipsKey(profileId), segmentId)
                .map(r -> StoredMembership.parse(segmentId, r));
    }

    /** An identifier's membership of one segment, answered by the profile it belongs to now. */
    public Uni<Located<StoredMembership>> membershipOf(String identifier, String segmentId) {
        return mapped(identifier).chain(profileId -> follow(identifier, profileId, 0, segmentId,
                MembershipStore.MERGED_INTO)).map(l -> new Located<>(l.profileId(),
                        StoredMembership.parse(segmentId, l.value() == null ? null : l.value().get(0))));
    }

    /** Every stored membership of exactly this profile. */
    public Uni<List<StoredMembership>> memberships(String profileId) {
        return call("HGETALL", MembershipStore.membershipsKey(profileId)).map(MembershipReader::parseMemberships);
    }

    /** Every stored membership of the profile an identifier belongs to now. */
    public Uni<Located<List<StoredMembership>>> membershipsOf(String identifier) {
        return mapped(identifier).chain(profileId -> followAll(identifier, profileId, 0))
                .map(l -> new Located<>(l.profileId(), parseMemberships(l.value())));
    }

    /**
     * Reads {@code fields} (the last is always {@link MembershipStore#MERGED_INTO}) of the profile's membership
     * hash, following merged-away profiles to their survivor. Landing on an erased profile answers the identifier
     * as its own, empty profile: the identifier stage may map it after the erasure passed the profile stage.
     */
    private Uni<Located<Response>> follow(String identifier, String profileId, int hops, String... fields) {
        String[] args = new String[fields.length + 2];
        args[0] = MembershipStore.membershipsKey(profileId);
        System.arraycopy(fields, 0, args, 1, fields.length);
        args[args.length - 1] = MembershipStore.ERASED;
        return call("HMGET", args).chain(r -> {
            if (r != null && r.get(args.length - 2) != null) {
                return Uni.createFrom().item(new Located<>(identifier, null));
            }
            Response next = r == null ? null : r.get(args.length - 3);
            return forwarded(profileId, next, hops)
                    ? follow(identifier, next.toString(), hops + 1, fields)
                    : Uni.createFrom().item(new Located<>(profileId, r));
        });
    }

    private Uni<Located<Response>> followAll(String identifier, String profileId, int hops) {
        return call("HGETALL", MembershipStore.membershipsKey(profileId)).chain(r -> {
            if (r != null && r.get(MembershipStore.ERASED) != null) {
                return Uni.createFrom().item(new Located<>(identifier, null));
            }
            Response next = r == null ? null : r.get(MembershipStore.MERGED_INTO);
            return forwarded(profileId, next, hops)
                    ? followAll(identifier, next.toString(), hops + 1)
                    : Uni.createFrom().item(new Located<>(profileId, r));
        });
    }

    private static List<StoredMembership> parseMemberships(Response r) {
        List<StoredMembership> out = new ArrayList<>();
        if (r != null) {
            for (String field : r.getKeys()) {
                // Segment ids are [a-z][a-z0-9_]*: a field starting with '@' is a mark of the store's, not a segment.
                if (!field.startsWith("@")) {
                    out.add(StoredMembership.parse(field, r.get(field).toString()));
                }
            }
        }
        return out;
    }

    private static boolean forwarded(String profileId, Response mergedInto, int hops) {
        if (mergedInto == null) {
            return false;
        }
        if (hops >= MAX_FORWARDS) {
            LOG.warnf("profile %s: more than %d merged-into hops, answering from it", profileId, MAX_FORWARDS);
            return false;
        }
        return true;
    }

    /** The profile's received traits, then its computed traits (which win on a shared name). */
    public Uni<Map<String, StoredTrait>> traits(String profileId) {
        return call("HGETALL", MembershipStore.traitsKey(profileId)).chain(received -> call("HGETALL",
                MembershipStore.computedTraitsKey(profileId)).map(computed -> {
                    Map<String, StoredTrait> out = new LinkedHashMap<>();
                    readTraits(received, out);
                    readTraits(computed, out);
                    return out;
                }));
    }

    private static void readTraits(Response r, Map<String, StoredTrait> into) {
        if (r != null) {
            for (String field : r.getKeys()) {
                String raw = r.get(field).toString();
                int bar = raw.indexOf('|');
                into.put(field, new StoredTrait(Long.parseLong(raw.substring(0, bar)),
                        Base64.getDecoder().decode(raw.substring(bar + 1))));
            }
        }
    }

    /** Up to {@code limit} member profile ids after {@code after} (exclusive; empty: from the start), in order. */
    public Uni<List<String>> members(String segmentId, String after, int limit) {
        String from = after.isEmpty() ? "-" : "(" + after;
        return call("ZRANGE", MembershipStore.membersKey(segmentId), from, "+", "BYLEX", "LIMIT", "0",
                Integer.toString(limit)).map(r -> {
                    List<String> out = new ArrayList<>();
                    if (r != null) {
                        r.forEach(x -> out.add(x.toString()));
                    }
                    return out;
                });
    }

    public Uni<Long> memberCount(String segmentId) {
        return call("ZCARD", MembershipStore.membersKey(segmentId)).map(r -> r == null ? 0L : r.toLong());
    }

    /**
     * Whether Redis holds every Streams task's part of the serving copy (readiness). False while any task's marker is
     * missing: Redis lost it and the task is rewriting it from its store, or the task has not started yet.
     */
    public Uni<Boolean> loaded() {
        return tasks.loadedKeys().chain(keys -> redis.execute("EXISTS", keys.toArray(String[]::new))
                .map(r -> r.toInteger() == keys.size()));
    }

    /**
     * Runs one read, pipelined with an EXISTS of every task's loaded marker sent right after it (one round trip). A
     * flush removes the markers, so a read that Redis ran after a flush is followed by a missing marker and refused
     * with {@link DependencyUnavailableException} (UNAVAILABLE with RetryInfo): an empty hash after a flush means
     * "lost", not "not a member". The markers are checked after the read, not before, so a flush between the two
     * cannot slip an empty read through; only a flush and a whole rewrite pass of every task between two commands of
     * one pipeline could, which takes at least a check interval. Every RPC's reads go through here.
     */
    private Uni<Response> call(String command, String... args) {
        return tasks.loadedKeys().chain(keys -> {
            Request read = Request.cmd(Command.create(command));
            for (String a : args) {
                read.arg(a);
            }
            Request markers = Request.cmd(Command.EXISTS);
            keys.forEach(markers::arg);
            return redis.getRedis().batch(List.of(read, markers)).onFailure()
                    .transform(e -> new DependencyUnavailableException("redis", e.getMessage(), e))
                    .map(replies -> {
                        if (replies.get(1).toInteger() < keys.size()) {
                            throw new DependencyUnavailableException("redis",
                                    "segments' memberships and traits in Redis are being rewritten from the Kafka "
                                            + "Streams state (Redis lost them); retry shortly",
                                    null);
                        }
                        return replies.get(0);
                    });
        });
    }
}
