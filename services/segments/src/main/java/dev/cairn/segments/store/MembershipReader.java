package dev.cairn.segments.store;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

import dev.cairn.platform.grpc.DependencyUnavailableException;

/** The read side of Redis for request-time answers; non-blocking. */
@ApplicationScoped
public class MembershipReader {

    @Inject
    ReactiveRedisDataSource redis;

    /** One stored membership entry. */
    public record StoredMembership(String segmentId, long version, boolean member, long since, long definitionVersion) {
        static StoredMembership parse(String segmentId, String raw) {
            String[] p = raw.split("\\|");
            return new StoredMembership(segmentId, Long.parseLong(p[0]), p[1].equals("1"), Long.parseLong(p[2]),
                    Long.parseLong(p[3]));
        }
    }

    /** One stored trait: its Value bytes and the event time that set it. */
    public record StoredTrait(long time, byte[] value) {
    }

    /** The profile an identifier belongs to; an identifier identity never linked is its own profile. */
    public Uni<String> resolve(String identifier) {
        return call("GET", MembershipStore.identifierKey(identifier))
                .map(r -> r == null ? identifier : r.toString());
    }

    public Uni<StoredMembership> membership(String profileId, String segmentId) {
        return call("HGET", MembershipStore.membershipsKey(profileId), segmentId)
                .map(r -> r == null ? null : StoredMembership.parse(segmentId, r.toString()));
    }

    public Uni<List<StoredMembership>> memberships(String profileId) {
        return call("HGETALL", MembershipStore.membershipsKey(profileId)).map(r -> {
            List<StoredMembership> out = new ArrayList<>();
            if (r != null) {
                for (String field : r.getKeys()) {
                    out.add(StoredMembership.parse(field, r.get(field).toString()));
                }
            }
            return out;
        });
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

    private Uni<Response> call(String command, String... args) {
        return redis.execute(command, args).onFailure()
                .transform(e -> new DependencyUnavailableException("redis", e.getMessage(), e));
    }
}
