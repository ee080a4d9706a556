package dev.cairn.identity.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import io.vertx.mutiny.sqlclient.Pool;

import dev.cairn.identity.config.IdentityConfig;
import dev.cairn.identity.repository.EntryIdentifiers;
import dev.cairn.identity.repository.LogEntry;
import dev.cairn.identity.repository.SpaceRow;
import dev.cairn.identity.store.KeyStore;
import dev.cairn.identity.store.LogRepository;
import dev.cairn.identity.store.RedisGraph;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * Derives Redis and {@code cairn.identity.changes.v1} from the log (a transactional outbox): entries above
 * Redis's applied sequence are applied (each by one atomic, idempotent script), entries above the space's
 * published sequence are published and then the cursor moves. A crash anywhere in between is repaired by
 * the next pass: Redis skips what it has, and the topic may see an entry twice (consumers ignore a sequence
 * they have applied). A flushed Redis has applied nothing, so the same pass rebuilds it from the whole log; the
 * graph's {@code loaded} marker, gone with the flush, is set again by the first pass that reaches the log's end, and
 * until then identity answers UNAVAILABLE rather than "not found" (see {@link RedisGraph#markLoaded}).
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
    LogRepository log;

    @Inject
    KeyStore keys;

    @Inject
    Pool pool;

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

    /** An entry with its identifiers read and decrypted once (empty: erased), for Redis and the topic alike. */
    private record Readable(LogEntry entry, List<EntryIdentifiers.Item> items, List<Optional<String>> values) {
    }

    private record Batch(List<Readable> entries, long applied, long published) {
    }

    /**
     * One pass: at most drain-batch-size entries. Returns how many entries it looked at. It reads through the SQL
     * client, not a Hibernate session: entries are only read, and a session would manage (and hydrate) each.
     */
    Uni<Integer> drainOnce(String space) {
        return redis.appliedSeq(space).chain(applied -> log.publishedSeq(pool, space).chain(published -> log
                .entriesAfter(pool, space, Math.min(applied, published), config.drainBatchSize()).chain(entries -> {
                    List<List<EntryIdentifiers.Item>> items = entries.stream()
                            .map(e -> EntryIdentifiers.read(e.identifiers)).toList();
                    Set<String> hashes = new LinkedHashSet<>();
                    items.forEach(list -> list.forEach(i -> hashes.add(i.h())));
                    return keys.find(pool, hashes).map(k -> {
                        // An identifier's entries mostly carry the same ciphertext (its node's): decrypt it once.
                        Map<String, Optional<String>> values = new HashMap<>();
                        List<Readable> readable = new ArrayList<>(entries.size());
                        for (int i = 0; i < entries.size(); i++) {
                            List<Optional<String>> plain = new ArrayList<>(items.get(i).size());
                            for (EntryIdentifiers.Item item : items.get(i)) {
                                plain.add(item.c() == null
                                        ? Optional.empty()
                                        : values.computeIfAbsent(item.h() + " " + item.c(),
                                                x -> IdentifierCipher.tryDecrypt(k.get(item.h()), item.h(),
                                                        item.c())));
                            }
                            readable.add(new Readable(entries.get(i), items.get(i), plain));
                        }
                        return new Batch(readable, applied, published);
                    });
                }))).chain(batch -> applyAll(space, batch.entries().stream()
                        .filter(e -> e.entry().seq > batch.applied()).toList())
                        .chain(() -> publishAll(batch.entries().stream()
                                .filter(e -> e.entry().seq > batch.published()).toList()))
                        .chain(() -> {
                            if (batch.entries().isEmpty()) {
                                return Uni.createFrom().item(0);
                            }
                            long last = batch.entries().get(batch.entries().size() - 1).entry().seq;
                            if (last <= batch.published()) {
                                return Uni.createFrom().item(batch.entries().size());
                            }
                            return log.advancePublished(pool, space, last).replaceWith(batch.entries().size());
                        }).call(n -> n < config.drainBatchSize() ? redis.markLoaded(space, head(batch)) : none()));
    }

    /**
     * The highest sequence a pass read. A pass that read less than a batch read the log to its end, so once Redis has
     * applied this far the graph holds the whole log (as of that read) and may answer "not found".
     */
    private static long head(Batch batch) {
        return batch.entries().isEmpty()
                ? Math.min(batch.applied(), batch.published())
                : batch.entries().get(batch.entries().size() - 1).entry().seq;
    }

    private static Uni<Void> none() {
        return Uni.createFrom().voidItem();
    }

    /** Applies entries to Redis in chunks, one atomic script call each, in sequence order. */
    private Uni<Void> applyAll(String space, List<Readable> entries) {
        List<List<Readable>> chunks = new ArrayList<>();
        for (int i = 0; i < entries.size(); i += APPLY_CHUNK) {
            chunks.add(entries.subList(i, Math.min(entries.size(), i + APPLY_CHUNK)));
        }
        return Sequential.each(chunks, chunk -> redis.apply(space, chunk.stream()
                .map(e -> new RedisGraph.Effect(e.entry().seq, effect(e.entry(), e.items(), e.values()))).toList())
                .invoke(flags -> {
                    for (int i = 0; i < chunk.size(); i++) {
                        if (flags.get(i)) {
                            metrics.applied(chunk.get(i).entry(), chunk.get(i).items().size());
                        }
                    }
                })).replaceWithVoid();
    }

    /**
     * Publishes the entries in sequence order without waiting for one acknowledgement before sending the next
     * (the sends are handed to the idempotent producer in order, so a profile's partition keeps that order);
     * completes when every one is acknowledged, and fails if any is not.
     */
    private Uni<Void> publishAll(List<Readable> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(entries).onItem().transformToUni(this::publish)
                .merge(Math.min(entries.size(), MAX_IN_FLIGHT)).collect().last().replaceWithVoid();
    }

    private Uni<Void> publish(Readable r) {
        LogEntry e = r.entry();
        byte[] payload = ChangeMapper.toProto(e, r.items(), r.values()).toByteArray();
        String key = e.profileId.isEmpty() ? e.space : e.profileId;
        return changes.sendMessage(Message.of(payload)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()));
    }

    /** The Redis effect of an entry: identifiers it moves, demotes, or profiles it drops. */
    static String effect(LogEntry e, Map<String, byte[]> keys) {
        List<EntryIdentifiers.Item> items = EntryIdentifiers.read(e.identifiers);
        return effect(e, items, items.stream()
                .map(item -> IdentifierCipher.tryDecrypt(keys.get(item.h()), item.h(), item.c())).toList());
    }

    private static String effect(LogEntry e, List<EntryIdentifiers.Item> items, List<Optional<String>> values) {
        Map<String, Object> effect = new HashMap<>();
        List<List<String>> moves = new ArrayList<>();
        List<String> amb = new ArrayList<>();
        IdentityChangeKind kind = IdentityChangeKind.valueOf(e.kind);
        for (int i = 0; i < items.size(); i++) {
            EntryIdentifiers.Item item = items.get(i);
            Optional<String> value = values.get(i);
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
