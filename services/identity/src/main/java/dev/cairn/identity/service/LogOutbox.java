package dev.cairn.identity.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import dev.cairn.identity.config.IdentityConfig;
import dev.cairn.identity.repository.EntryIdentifiers;
import dev.cairn.identity.repository.IdentifierKey;
import dev.cairn.identity.repository.LogEntry;
import dev.cairn.identity.repository.SpaceRow;
import dev.cairn.identity.store.RedisGraph;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * Derives Redis and {@code cairn.identity.changes.v1} from the log (a transactional outbox): entries above
 * Redis's applied sequence are applied (each by one atomic, idempotent script), entries above the space's
 * published sequence are published and then the cursor moves. A crash anywhere in between is repaired by
 * the next pass: Redis skips what it has, and the topic may see an entry twice (consumers ignore a sequence
 * they have applied). A flushed Redis has applied nothing, so the same pass rebuilds it from the whole log.
 */
@ApplicationScoped
public class LogOutbox {

    private static final Logger LOG = Logger.getLogger(LogOutbox.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Changes sent before their acknowledgements (well inside the emitter's buffer and the producer's). */
    private static final int MAX_IN_FLIGHT = 100;
    /**
     * Entries per apply script call: enough to make the round trip negligible, few enough that the script (which
     * blocks Redis while it runs) stays well under a millisecond for a poll of links.
     */
    private static final int APPLY_CHUNK = 200;

    @Inject
    IdentityConfig config;

    @Inject
    RedisGraph redis;

    @Inject
    IdentityMetrics metrics;

    @Inject
    Vertx vertx;

    @Inject
    @Channel("identity-changes")
    MutinyEmitter<byte[]> changes;

    /** Pending drain requests per space: while one drain runs, others only ask it to go round again. */
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    /** Drains the space now, or makes the drain already running go round once more. */
    public Uni<Void> drainSoon(String space) {
        AtomicInteger pending = requests.computeIfAbsent(space, s -> new AtomicInteger());
        if (pending.getAndIncrement() > 0) {
            return Uni.createFrom().voidItem();
        }
        return loop(space, pending).onFailure().invoke(t -> {
            pending.set(0);
            LOG.warnf(t, "outbox of space %s stopped; the next pass retries", space);
        }).onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Starts a drain and returns at once. It runs on a duplicated context of its own: a reactive session
     * belongs to one context, and the caller's (a consumer about to open its next transaction) may be in use.
     */
    public void drainInBackground(String space) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(v -> drainSoon(space).subscribe().with(ignored -> {
        }));
    }

    /** Drains every space that has a row (the scheduled recovery pass). */
    public Uni<Void> drainAll() {
        return Panache.withSession(() -> SpaceRow.<SpaceRow>listAll())
                .chain(spaces -> Sequential.each(spaces, s -> drainSoon(s.space))).replaceWithVoid();
    }

    private Uni<Void> loop(String space, AtomicInteger pending) {
        int seen = pending.get();
        return drainOnce(space).chain(n -> {
            if (n >= config.drainBatchSize() || !pending.compareAndSet(seen, 0)) {
                return loop(space, pending);
            }
            return Uni.createFrom().voidItem();
        });
    }

    /** Rebuilds the space's Redis graph from the log: flush, then replay every entry. Logs what it did. */
    public Uni<Void> rebuild(String space) {
        long started = System.nanoTime();
        LOG.infof("rebuilding the Redis graph of space '%s' from the log: flushing it first", space);
        return redis.flush(space).chain(() -> drainCounting(space, 0)).chain(entries -> redis.appliedSeq(space)
                .invoke(applied -> LOG.infof(
                        "rebuilt the Redis graph of space '%s' from the log: %d entries read, applied up to sequence"
                                + " %d, in %d ms",
                        space, entries, applied, (System.nanoTime() - started) / 1_000_000)))
                .replaceWithVoid();
    }

    private Uni<Long> drainCounting(String space, long sofar) {
        return drainOnce(space).chain(n -> n > 0 ? drainCounting(space, sofar + n) : Uni.createFrom().item(sofar));
    }

    /** Drains until nothing is left; for rebuilds and tests. */
    public Uni<Void> drainUntilCaughtUp(String space) {
        return drainOnce(space).chain(n -> n > 0 ? drainUntilCaughtUp(space) : Uni.createFrom().voidItem());
    }

    private record Batch(List<LogEntry> entries, Map<String, byte[]> keys, long applied, long published) {
    }

    /** One pass: at most drain-batch-size entries. Returns how many entries it looked at. */
    Uni<Integer> drainOnce(String space) {
        Context context = Vertx.currentContext();
        return redis.appliedSeq(space).chain(applied -> Panache.withSession(() -> SpaceRow
                .<SpaceRow>findById(space).chain(row -> {
                    long published = row == null ? 0 : row.publishedSeq;
                    return LogEntry.<LogEntry>find("space = ?1 and seq > ?2 order by seq", space,
                            Math.min(applied, published)).page(0, config.drainBatchSize()).list()
                            .chain(entries -> {
                                Set<String> hashes = new LinkedHashSet<>();
                                entries.forEach(e -> EntryIdentifiers.read(e.identifiers)
                                        .forEach(i -> hashes.add(i.h())));
                                if (hashes.isEmpty()) {
                                    return Uni.createFrom().item(new Batch(entries, Map.of(), applied, published));
                                }
                                return IdentifierKey.<IdentifierKey>list("hash in ?1", List.copyOf(hashes))
                                        .map(keys -> {
                                            Map<String, byte[]> byHash = new HashMap<>();
                                            keys.forEach(k -> byHash.put(k.hash, k.keyBytes));
                                            return new Batch(entries, byHash, applied, published);
                                        });
                            });
                }))).chain(batch -> applyAll(space, batch.entries().stream().filter(e -> e.seq > batch.applied())
                        .toList(), batch.keys())
                        .chain(() -> publishAll(batch.entries().stream().filter(e -> e.seq > batch.published())
                                .toList(), batch.keys()))
                        .emitOn(command -> runOn(context, command)).chain(done -> {
                            if (batch.entries().isEmpty()) {
                                return Uni.createFrom().item(0);
                            }
                            long last = batch.entries().get(batch.entries().size() - 1).seq;
                            if (last <= batch.published()) {
                                return Uni.createFrom().item(batch.entries().size());
                            }
                            return Panache.withTransaction(() -> Panache.getSession().chain(s -> s.createNativeQuery(
                                    "update identity_space set published_seq = ?1 where space = ?2 and published_seq < ?1")
                                    .setParameter(1, last).setParameter(2, space).executeUpdate()))
                                    .replaceWith(batch.entries().size());
                        }));
    }

    /** Applies entries to Redis in chunks, one atomic script call each, in sequence order. */
    private Uni<Void> applyAll(String space, List<LogEntry> entries, Map<String, byte[]> keys) {
        List<List<LogEntry>> chunks = new ArrayList<>();
        for (int i = 0; i < entries.size(); i += APPLY_CHUNK) {
            chunks.add(entries.subList(i, Math.min(entries.size(), i + APPLY_CHUNK)));
        }
        return Sequential.each(chunks, chunk -> redis.apply(space, chunk.stream()
                .map(e -> new RedisGraph.Effect(e.seq, effect(e, keys))).toList()).invoke(flags -> {
                    for (int i = 0; i < chunk.size(); i++) {
                        if (flags.get(i)) {
                            metrics.applied(chunk.get(i));
                        }
                    }
                })).replaceWithVoid();
    }

    private static void runOn(Context context, Runnable command) {
        if (context == null || Vertx.currentContext() == context) {
            command.run();
        } else {
            context.runOnContext(v -> command.run());
        }
    }

    /**
     * Publishes the entries in sequence order without waiting for one acknowledgement before sending the next
     * (the sends are handed to the idempotent producer in order, so a profile's partition keeps that order);
     * completes when every one is acknowledged, and fails if any is not.
     */
    private Uni<Void> publishAll(List<LogEntry> entries, Map<String, byte[]> keys) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(entries).onItem().transformToUni(e -> publish(e, keys))
                .merge(Math.min(entries.size(), MAX_IN_FLIGHT)).collect().last().replaceWithVoid();
    }

    private Uni<Void> publish(LogEntry e, Map<String, byte[]> keys) {
        byte[] payload = ChangeMapper.toProto(e, keys).toByteArray();
        String key = e.profileId.isEmpty() ? e.space : e.profileId;
        return changes.sendMessage(Message.of(payload)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()));
    }

    /** The Redis effect of an entry: identifiers it moves, demotes, or profiles it drops. */
    static String effect(LogEntry e, Map<String, byte[]> keys) {
        Map<String, Object> effect = new HashMap<>();
        List<List<String>> moves = new ArrayList<>();
        List<String> amb = new ArrayList<>();
        IdentityChangeKind kind = IdentityChangeKind.valueOf(e.kind);
        for (EntryIdentifiers.Item item : EntryIdentifiers.read(e.identifiers)) {
            var value = IdentifierCipher.tryDecrypt(keys.get(item.h()), item.h(), item.c());
            if (value.isEmpty()) {
                continue; // erased: its key is gone, so a rebuild cannot bring it back
            }
            String id = new Ident(item.n(), value.get()).key();
            if (item.to() != null && (kind == IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED
                    || kind == IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED
                    || kind == IdentityChangeKind.IDENTITY_CHANGE_KIND_SPLIT)) {
                moves.add(List.of(id, item.to()));
            }
            if (kind == IdentityChangeKind.IDENTITY_CHANGE_KIND_AMBIGUOUS) {
                amb.add(id);
            }
        }
        if (!moves.isEmpty()) {
            effect.put("moves", moves);
        }
        if (!amb.isEmpty()) {
            effect.put("amb", amb);
        }
        if (kind == IdentityChangeKind.IDENTITY_CHANGE_KIND_DELETED) {
            effect.put("drop", List.of(e.profileId));
        }
        try {
            return JSON.writeValueAsString(effect);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
