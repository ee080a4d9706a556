package dev.cairn.segments.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;

import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.service.ProfileState;

/**
 * The write side of the serving copy in Redis, called from the Kafka Streams thread (blocking is right there:
 * the stream thread must not move on before the write is durable). Writes happen outside the Streams
 * transaction, so each one is idempotent and versioned: a membership write applies only if its version is
 * at least the stored one (equal re-applies the retry of an aborted transaction, which is the one that
 * counts), and the member index moves with it in the same script.
 *
 * <p>
 * Keys (prefix {@code cairn:seg:}): {@code m:<profile>} hash segment → "version|member|since|definitionVersion";
 * {@code s:<segment>} sorted set of member profile ids (score 0, read in lexical order);
 * {@code t:<profile>} hash trait → "time|base64(Value)"; {@code id:<namespace:value>} → profile id.
 */
@ApplicationScoped
public class MembershipStore {

    public static final String PREFIX = "cairn:seg:";
    static final String APPLY = """
            local cur = redis.call('HGET', KEYS[1], ARGV[1])
            if cur then
              local v = tonumber(string.match(cur, '^(%d+)'))
              if v > tonumber(ARGV[2]) then return 0 end
            end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5])
            if ARGV[3] == '1' then
              redis.call('ZADD', KEYS[2], 0, ARGV[6])
            else
              redis.call('ZREM', KEYS[2], ARGV[6])
            end
            return 1
            """;
    private static final int ATTEMPTS = 5;

    @Inject
    RedisDataSource redis;

    public static String membershipsKey(String profileId) {
        return PREFIX + "m:" + profileId;
    }

    public static String membersKey(String segmentId) {
        return PREFIX + "s:" + segmentId;
    }

    public static String traitsKey(String profileId) {
        return PREFIX + "t:" + profileId;
    }

    public static String identifierKey(String identifier) {
        return PREFIX + "id:" + identifier;
    }

    /** Applies a membership change; false if a newer version was already there. */
    public boolean apply(MembershipChange c, long since) {
        boolean member = c.getTransition() == MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED;
        Response r = withRetry(() -> redis.execute("EVAL", APPLY, "2", membershipsKey(c.getProfileId()),
                membersKey(c.getSegmentId()), c.getSegmentId(), Long.toString(c.getMembershipVersion()),
                member ? "1" : "0", Long.toString(member ? since : 0), Long.toString(c.getDefinitionVersion()),
                c.getProfileId()));
        return r.toInteger() == 1;
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

    public void mapIdentifier(String identifier, String profileId) {
        withRetry(() -> redis.execute("SET", identifierKey(identifier), profileId));
    }

    /** Drops a profile's traits and identifier mappings (merge: the survivor holds them now; erasure). */
    public void dropProfile(String profileId, Collection<String> identifiersToUnmap) {
        withRetry(() -> redis.execute("DEL", traitsKey(profileId)));
        for (String id : identifiersToUnmap) {
            withRetry(() -> redis.execute("DEL", identifierKey(id)));
        }
    }

    /** Memberships dropped for erasure: the hash goes with the profile. */
    public void dropMemberships(String profileId) {
        withRetry(() -> redis.execute("DEL", membershipsKey(profileId)));
    }

    /** Redis may blip; the stream thread waits a little rather than failing the task at once. */
    private static Response withRetry(java.util.function.Supplier<Response> call) {
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
