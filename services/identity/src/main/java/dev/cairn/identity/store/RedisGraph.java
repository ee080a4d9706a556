package dev.cairn.identity.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

import dev.cairn.identity.service.Ident;
import dev.cairn.platform.grpc.DependencyUnavailableException;

/**
 * The serving copy of the identity graph in Redis. Keys of one space share the hash tag {@code {space}}:
 * <ul>
 * <li>{@code cairn:id:{s}:i:<namespace>:<value>} → profile id (string)</li>
 * <li>{@code cairn:id:{s}:p:<profile>} → the profile's identifiers (set of {@code namespace:value})</li>
 * <li>{@code cairn:id:{s}:amb} → identifiers demoted to ambiguous (set)</li>
 * <li>{@code cairn:id:{s}:applied} → the last log sequence applied (the idempotence watermark)</li>
 * <li>{@code cairn:id:{s}:loaded} → present once the graph held the whole log (gone with any flush of Redis)</li>
 * </ul>
 * Written only by applying log entries (one Lua script call per chunk of entries), read by one read-only script
 * per call.
 */
@ApplicationScoped
public class RedisGraph {

    private static final String APPLY = script("lua/apply.lua");
    private static final String RESOLVE = script("lua/resolve.lua");
    private static final String APPLY_SHA = sha1(APPLY);
    private static final String RESOLVE_SHA = sha1(RESOLVE);
    private static final String LOADED = script("lua/loaded.lua");
    private static final String LOADED_SHA = sha1(LOADED);

    @Inject
    ReactiveRedisDataSource redis;

    /** What Redis holds for one identifier. */
    public record Hit(Ident identifier, boolean found, String profileId, boolean ambiguous, List<Ident> members) {
    }

    public static String prefix(String space) {
        return "cairn:id:{" + space + "}:";
    }

    static String appliedKey(String space) {
        return prefix(space) + "applied";
    }

    static String loadedKey(String space) {
        return prefix(space) + "loaded";
    }

    /**
     * Resolves identifiers (already normalized) in one round trip. Fails with {@link DependencyUnavailableException}
     * while the graph is not loaded (Redis came back empty and the outbox is replaying the log): an answer from a
     * half-loaded graph would say "not found" of people identity knows.
     */
    public Uni<List<Hit>> resolve(String space, List<Ident> identifiers) {
        List<String> args = new ArrayList<>(List.of("1", appliedKey(space)));
        identifiers.forEach(id -> args.add(id.key()));
        return script("EVALSHA_RO", "EVAL_RO", RESOLVE_SHA, RESOLVE, args).onFailure(RedisGraph::notLoaded)
                .transform(t -> new DependencyUnavailableException("redis",
                        "the identity graph is being loaded from the log", t))
                .map(response -> {
                    List<Hit> hits = new ArrayList<>();
                    for (int i = 0; i < identifiers.size(); i++) {
                        Response r = response.get(i);
                        if (r == null || r.size() == 0) {
                            hits.add(new Hit(identifiers.get(i), false, "", false, List.of()));
                            continue;
                        }
                        List<Ident> members = new ArrayList<>();
                        for (Response m : r.get(2)) {
                            members.add(Ident.ofKey(m.toString()));
                        }
                        members.sort(null);
                        hits.add(new Hit(identifiers.get(i), true, r.get(0).toString(), r.get(1).toInteger() == 1,
                                members));
                    }
                    return hits;
                });
    }

    /** A log entry's effect on the graph, by its sequence. */
    public record Effect(long seq, String json) {
    }

    /**
     * Applies log entries' effects in sequence order, in one atomic script call (so many entries cost one round
     * trip, and Redis never shows half of them); for each, false when it had been applied already.
     */
    public Uni<List<Boolean>> apply(String space, List<Effect> effects) {
        if (effects.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<String> args = new ArrayList<>(2 + 2 * effects.size());
        args.add("1");
        args.add(appliedKey(space));
        for (Effect e : effects) {
            args.add(Long.toString(e.seq()));
            args.add(e.json());
        }
        return script("EVALSHA", "EVAL", APPLY_SHA, APPLY, args).map(r -> {
            List<Boolean> flags = new ArrayList<>(r.size());
            for (Response flag : r) {
                flags.add(flag.toInteger() == 1);
            }
            return flags;
        });
    }

    /**
     * Marks the space's graph loaded if Redis has applied the log through {@code head} (checked and set atomically,
     * so a flush after the caller read the applied sequence leaves no marker). True when the marker is there.
     */
    public Uni<Boolean> markLoaded(String space, long head) {
        return script("EVALSHA", "EVAL", LOADED_SHA, LOADED, List.of("1", appliedKey(space), Long.toString(head)))
                .map(r -> r.toInteger() == 1);
    }

    /** Whether the space's graph holds the log (its marker is set). */
    public Uni<Boolean> loaded(String space) {
        return redis.execute("EXISTS", loadedKey(space)).map(r -> r.toInteger() == 1);
    }

    /** The last sequence applied to this space, 0 if none (a new or flushed Redis). */
    public Uni<Long> appliedSeq(String space) {
        return redis.execute("GET", appliedKey(space)).map(r -> r == null ? 0L : r.toLong());
    }

    /** Drops every key of the space (they share one hash tag, so one node holds them all). */
    public Uni<Void> flush(String space) {
        return scanAndUnlink(prefix(space) + "*", "0");
    }

    private Uni<Void> scanAndUnlink(String pattern, String cursor) {
        return redis.execute("SCAN", cursor, "MATCH", pattern, "COUNT", "1000").chain(r -> {
            String next = r.get(0).toString();
            List<String> keys = new ArrayList<>();
            for (Response k : r.get(1)) {
                keys.add(k.toString());
            }
            Uni<Void> unlink = keys.isEmpty()
                    ? Uni.createFrom().voidItem()
                    : redis.execute("UNLINK", keys.toArray(String[]::new)).replaceWithVoid();
            return unlink.chain(() -> "0".equals(next) ? Uni.createFrom().voidItem() : scanAndUnlink(pattern, next));
        });
    }

    /** Runs a script by its SHA, loading it with the full text once if the server does not know it yet. */
    private Uni<Response> script(String bySha, String byText, String sha, String text, List<String> args) {
        List<String> withSha = new ArrayList<>(List.of(sha));
        withSha.addAll(args);
        return redis.execute(bySha, withSha.toArray(String[]::new)).onFailure(RedisGraph::noScript)
                .recoverWithUni(() -> {
                    List<String> withText = new ArrayList<>(List.of(text));
                    withText.addAll(args);
                    return redis.execute(byText, withText.toArray(String[]::new));
                });
    }

    private static boolean notLoaded(Throwable t) {
        return t.getMessage() != null && t.getMessage().startsWith("NOTLOADED");
    }

    private static boolean noScript(Throwable t) {
        return t.getMessage() != null && t.getMessage().contains("NOSCRIPT");
    }

    private static String script(String resource) {
        try (InputStream in = RedisGraph.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
