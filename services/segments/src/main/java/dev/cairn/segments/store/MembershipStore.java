package dev.cairn.segments.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.service.ProfileState;

/**
 * The write side of the serving copy in Redis, called from the Kafka Streams thread (blocking is right there:
 * the stream thread must not move on before the write is durable). Writes happen outside the Streams
 * transaction, so each one is idempotent and versioned: a membership write applies only if its version is
 * at least the stored one (equal re-applies the retry of an aborted transaction, which is the one that
 * counts). The script touches the profile's hash only, so it runs on a Redis Cluster too (one key, one slot);
 * the segment's member index then moves only if the script applied. A crash between the two leaves the index
 * behind until the Streams transaction is retried, which re-applies the same version and moves it.
 *
 * <p>
 * Keys (prefix {@code cairn:seg:}): {@code m:<profile>} hash segment → "version|member|since|definitionVersion";
 * {@code s:<segment>} sorted set of member profile ids (score 0, read in lexical order);
 * {@code t:<profile>} hash trait → "time|base64(Value)"; {@code ct:<profile>} the same for computed traits;
 * {@code id:<namespace:value>} → profile id; {@code ids:<profile>} the set of identifiers mapped to it. A merged-away profile's hash keeps one more field,
 * {@link #MERGED_INTO} → the survivor, so that a read that reached it through a not-yet-updated identifier
 * mapping follows it (the identifier index and the profile stage are written by two stages of the topology and
 * cannot move together; see {@link MembershipReader}).
 */
@ApplicationScoped
public class MembershipStore {

    public static final String PREFIX = "cairn:seg:";
    /**
     * The field of a profile's membership hash that names the profile it was merged into. Segment ids are
     * {@code [a-z][a-z0-9_]*}, so no segment can take this name.
     */
    public static final String MERGED_INTO = "@merged_into";
    /** The field of an erased profile's membership hash, its only one: the profile is gone for readers. */
    public static final String ERASED = "@erased";
    /** Deletes KEYS[1] if it still holds ARGV[1]. */
    static final String UNMAP_IF = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;
    static final String APPLY = """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if cur then
              local v = tonumber(string.match(cur, '^(%d+)'))
              if v > tonumber(ARGV[2]) then return 0 end
            end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5])
            return 1
            """;
    /** Replaces a profile's traits hash in one step (KEYS[1]; ARGV: field, value, ...). */
    static final String REPLACE = """
            redis.call('DEL', KEYS[1])
            if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
            return 1
            """;
    /**
     * Ends a rewrite pass of one Streams task (KEYS[1] its rewriting key, KEYS[2] its loaded key, ARGV[1] the pass's
     * token): sets the loaded marker only if the token the pass started with is still there. A flush during the pass
     * removed it together with what the pass had written so far, so a late mark cannot declare a half-empty Redis
     * loaded; the pass then starts over. One atomic step, on one slot (both keys carry the {loaded} hash tag).
     */
    static final String FINISH_REWRITE = """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            redis.call('SET', KEYS[2], '1')
            redis.call('DEL', KEYS[1])
            return 1
            """;
    private static final int ATTEMPTS = 5;

    @Inject
    RedisDataSource redis;
    /** For pipelines (the blocking data source has none); awaited, since the stream thread may block. */
    @Inject
    ReactiveRedisDataSource pipelines;

    public static String membershipsKey(String profileId) {
        return PREFIX + "m:" + profileId;
    }

    public static String membersKey(String segmentId) {
        return PREFIX + "s:" + segmentId;
    }

    public static String traitsKey(String profileId) {
        return PREFIX + "t:" + profileId;
    }

    /** Computed traits live in their own hash: a received trait of the same name never overwrites one. */
    public static String computedTraitsKey(String profileId) {
        return PREFIX + "ct:" + profileId;
    }

    public static String identifierKey(String identifier) {
        return PREFIX + "id:" + identifier;
    }

    /** The identifiers the identifier stage mapped to a profile (a set), read when the profile is erased. */
    public static String profileIdentifiersKey(String profileId) {
        return PREFIX + "ids:" + profileId;
    }

    /**
     * The marker that Redis holds everything one Streams task ({@code stage} = the store it rewrites from,
     * {@code partition} = the task's partition) wrote: set by a rewrite pass from the task's store, removed by any
     * flush. Every marker shares the {@code {loaded}} hash tag, so readers check them all in one EXISTS, on one slot.
     */
    public static String loadedKey(String stage, int partition) {
        return PREFIX + "{loaded}:" + stage + ":" + partition;
    }

    /** The token of the rewrite pass in progress for a task; a flush removes it, which the pass sees at its end. */
    static String rewritingKey(String stage, int partition) {
        return PREFIX + "{loaded}:rewriting:" + stage + ":" + partition;
    }

    /**
     * Whether Redis still holds what the task wrote (its marker is there). One attempt, no retries: the check runs
     * every second whatever the traffic, and with Redis away it must neither hold the stream thread in retries nor
     * fail the task (writes fail it when there is something to write; readers already refuse).
     */
    public boolean loaded(String stage, int partition) {
        return redis.execute("EXISTS", loadedKey(stage, partition)).toInteger() == 1;
    }

    /** Starts a rewrite pass of a task: {@link #finishRewrite} sets its marker only if this token survived. */
    public void beginRewrite(String stage, int partition, String token) {
        withRetry(() -> redis.execute("SET", rewritingKey(stage, partition), token));
    }

    /** Sets the task's marker if no flush happened since {@link #beginRewrite}; false: start over. */
    public boolean finishRewrite(String stage, int partition, String token) {
        return withRetry(() -> redis.execute("EVAL", FINISH_REWRITE, "2", rewritingKey(stage, partition),
                loadedKey(stage, partition), token)).toInteger() == 1;
    }

    /**
     * Writes again all that Redis serves of these profiles from their stored state: every membership with its stored
     * version (through the same versioned script as live writes, so a newer version already there is kept, and the
     * member index moves only where the script applied), the merge mark of a merged-away profile, received traits, and
     * computed traits as last computed. The computed traits are stamped {@code now}: the state keeps their values,
     * not when they were computed. Two pipelined round trips for the whole batch (the scripts and hashes, then the
     * index moves the scripts allowed), not a dozen per profile. Idempotent.
     */
    public void restoreProfiles(Map<String, ProfileState> profiles, long now) {
        List<Request> writes = new ArrayList<>();
        // For the i-th APPLY (at applyAt[i] in writes): the index move it allows if it applies.
        List<Request> moves = new ArrayList<>();
        List<Integer> applyAt = new ArrayList<>();
        profiles.forEach((profileId, s) -> {
            s.memberships.forEach((segmentId, m) -> {
                applyAt.add(writes.size());
                writes.add(Request.cmd(Command.EVAL).arg(APPLY).arg(1).arg(membershipsKey(profileId)).arg(segmentId)
                        .arg(m.version).arg(m.member ? "1" : "0").arg(m.member ? m.since : 0)
                        .arg(m.definitionVersion));
                moves.add(m.member
                        ? Request.cmd(Command.ZADD).arg(membersKey(segmentId)).arg(0).arg(profileId)
                        : Request.cmd(Command.ZREM).arg(membersKey(segmentId)).arg(profileId));
            });
            if (s.mergedInto != null) {
                writes.add(Request.cmd(Command.HSET).arg(membershipsKey(profileId)).arg(MERGED_INTO).arg(s.mergedInto));
                return;
            }
            if (!s.traits.isEmpty()) {
                Request traits = Request.cmd(Command.HSET).arg(traitsKey(profileId));
                s.traits.forEach((name, v) -> traits.arg(name)
                        .arg(v.time + "|" + Base64.getEncoder().encodeToString(v.value)));
                writes.add(traits);
            }
            if (!s.computed.isEmpty()) {
                Request computed = Request.cmd(Command.HSET).arg(computedTraitsKey(profileId));
                s.computed.forEach((name, value) -> computed.arg(name)
                        .arg(now + "|" + Base64.getEncoder().encodeToString(value)));
                writes.add(computed);
            }
        });
        if (writes.isEmpty()) {
            return;
        }
        List<Response> applied = withRetry(() -> pipelines.getRedis().batchAndAwait(writes));
        List<Request> allowed = new ArrayList<>();
        for (int i = 0; i < applyAt.size(); i++) {
            if (applied.get(applyAt.get(i)).toInteger() == 1) {
                allowed.add(moves.get(i));
            }
        }
        if (!allowed.isEmpty()) {
            withRetry(() -> pipelines.getRedis().batchAndAwait(allowed));
        }
    }

    /** Writes again identifiers' mappings to their profiles and the profiles' reverse index, pipelined. Idempotent. */
    public void restoreIdentifiers(Map<String, String> profileOfIdentifier) {
        List<Request> writes = new ArrayList<>();
        profileOfIdentifier.forEach((identifier, profileId) -> {
            writes.add(Request.cmd(Command.SET).arg(identifierKey(identifier)).arg(profileId));
            writes.add(Request.cmd(Command.SADD).arg(profileIdentifiersKey(profileId)).arg(identifier));
        });
        if (!writes.isEmpty()) {
            withRetry(() -> pipelines.getRedis().batchAndAwait(writes));
        }
    }

    /** Applies a membership change; false if a newer version was already there. */
    public boolean apply(MembershipChange c, long since) {
        boolean member = c.getTransition() == MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED;
        Response r = withRetry(() -> redis.execute("EVAL", APPLY, "1", membershipsKey(c.getProfileId()),
                c.getSegmentId(), Long.toString(c.getMembershipVersion()), member ? "1" : "0",
                Long.toString(member ? since : 0), Long.toString(c.getDefinitionVersion())));
        if (r.toInteger() != 1) {
            return false; // an older write (e.g. from a fenced-off instance): the index stays as the newer one set it
        }
        withRetry(() -> member
                ? redis.execute("ZADD", membersKey(c.getSegmentId()), "0", c.getProfileId())
                : redis.execute("ZREM", membersKey(c.getSegmentId()), c.getProfileId()));
        return true;
    }

    /** Writes the given traits of a profile (the Streams state decided they are the latest). */
    public void writeTraits(String profileId, Map<String, ProfileState.Stamped> traits) {
        if (traits.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>();
        args.add(traitsKey(profileId));
        traits.forEach((name, v) -> {
            args.add(name);
            args.add(v.time + "|" + Base64.getEncoder().encodeToString(v.value));
        });
        withRetry(() -> redis.execute("HSET", args.toArray(String[]::new)));
    }

    /**
     * Writes the computed traits that changed (empty: the trait has no value any more, so it is removed), stamped
     * with the time they were computed.
     */
    public void writeComputedTraits(String profileId, Map<String, java.util.Optional<Value>> changed, long now) {
        List<String> set = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        set.add(computedTraitsKey(profileId));
        removed.add(computedTraitsKey(profileId));
        changed.forEach((name, value) -> {
            if (value.isPresent()) {
                set.add(name);
                set.add(now + "|" + Base64.getEncoder().encodeToString(value.get().toByteArray()));
            } else {
                removed.add(name);
            }
        });
        if (set.size() > 1) {
            withRetry(() -> redis.execute("HSET", set.toArray(String[]::new)));
        }
        if (removed.size() > 1) {
            withRetry(() -> redis.execute("HDEL", removed.toArray(String[]::new)));
        }
    }

    /** Replaces all of a profile's traits (a split took some away), atomically for readers. */
    public void replaceTraits(String profileId, Map<String, ProfileState.Stamped> traits) {
        List<String> args = new ArrayList<>(List.of("EVAL", REPLACE, "1", traitsKey(profileId)));
        traits.forEach((name, v) -> {
            args.add(name);
            args.add(v.time + "|" + Base64.getEncoder().encodeToString(v.value));
        });
        withRetry(() -> redis.execute(args.get(0), args.subList(1, args.size()).toArray(String[]::new)));
    }

    /**
     * Maps an identifier to its profile and keeps the profile's reverse index ({@code ids:<profile>}) in step, so
     * an erasure, which identity announces by profile id only (the identifiers' keys are destroyed), can unmap
     * identifiers that never sent an event. {@code previousProfileId} is the profile it was mapped to before, if
     * any.
     */
    public void mapIdentifier(String identifier, String profileId, String previousProfileId) {
        withRetry(() -> redis.execute("SET", identifierKey(identifier), profileId));
        withRetry(() -> redis.execute("SADD", profileIdentifiersKey(profileId), identifier));
        if (previousProfileId != null && !previousProfileId.equals(profileId)) {
            withRetry(() -> redis.execute("SREM", profileIdentifiersKey(previousProfileId), identifier));
        }
    }

    /** The identifier's profile was erased: a read by it finds no profile from now on. */
    public void unmapIdentifier(String identifier) {
        withRetry(() -> redis.execute("DEL", identifierKey(identifier)));
    }

    /**
     * Erases what Redis serves of a profile: traits, memberships, the mappings of every identifier mapped to it
     * (the reverse index, plus {@code knownIdentifiers} that sent events) and leaves {@link #ERASED} in its
     * membership hash, so that a read reaching it through a mapping the identifier stage writes later (the stages
     * are not ordered with each other) answers as if the identifier were unknown. Idempotent.
     */
    public void eraseProfile(String profileId, Collection<String> knownIdentifiers) {
        Response indexed = withRetry(() -> redis.execute("SMEMBERS", profileIdentifiersKey(profileId)));
        Set<String> identifiers = new LinkedHashSet<>(knownIdentifiers);
        if (indexed != null) {
            indexed.forEach(r -> identifiers.add(r.toString()));
        }
        for (String id : identifiers) {
            // Only a mapping to this profile: the identifier may have moved on to another profile since.
            withRetry(() -> redis.execute("EVAL", UNMAP_IF, "1", identifierKey(id), profileId));
        }
        withRetry(() -> redis.execute("DEL", traitsKey(profileId), computedTraitsKey(profileId),
                profileIdentifiersKey(profileId)));
        withRetry(() -> redis.execute("EVAL", REPLACE, "1", membershipsKey(profileId), ERASED, "1"));
    }

    /**
     * Marks a profile as merged into {@code survivor}. Written before the absorbed profile's state leaves for the
     * survivor, so by the time the survivor shows the merge, every read that lands on the absorbed profile is
     * sent on to it.
     */
    public void forward(String absorbedProfileId, String survivorProfileId) {
        withRetry(() -> redis.execute("HSET", membershipsKey(absorbedProfileId), MERGED_INTO, survivorProfileId));
    }

    /** An unmerge gave the profile back its own state: reads stop following it to the former survivor. */
    public void revive(String profileId) {
        withRetry(() -> redis.execute("HDEL", membershipsKey(profileId), MERGED_INTO));
    }

    /** Drops a merged-away profile's traits: the survivor holds them now. */
    public void dropTraits(String profileId) {
        withRetry(() -> redis.execute("DEL", traitsKey(profileId), computedTraitsKey(profileId)));
    }

    /** Redis may blip; the stream thread waits a little rather than failing the task at once. */
    private static <T> T withRetry(java.util.function.Supplier<T> call) {
        RuntimeException last = null;
        for (int i = 0; i < ATTEMPTS; i++) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                last = e;
                try {
                    Thread.sleep(Duration.ofMillis(100L << i).toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        throw last;
    }

    static long millis(com.google.protobuf.Timestamp t) {
        return ProfileEngine.millis(t);
    }
}
