package dev.cairn.ingest.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

import dev.cairn.platform.grpc.DependencyUnavailableException;

/**
 * Dedup by (source, messageId) across every ingest replica, in Redis. A key is first reserved as in flight
 * (with this request's token) and only marked done once Kafka has acknowledged the event, so:
 * <ul>
 * <li>a duplicate of a stored event is answered DUPLICATE for the whole window;</li>
 * <li>a duplicate arriving while the first is in flight is answered RETRY, never silently dropped;</li>
 * <li>an event whose publish failed is released, so its retry goes through.</li>
 * </ul>
 * The in-flight mark outlives Kafka's delivery timeout, so a slow publish cannot let a twin through. A process that
 * dies after its transaction committed and before it marked the events done leaves them in flight; the next start
 * marks them done from the raw topic ({@link DedupRecovery}), so a retry is answered DUPLICATE, not stored again.
 */
public final class Deduplicator {

    public enum Claim {
        NEW, DUPLICATE, IN_FLIGHT
    }

    private static final String RESERVE = """
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'new' end
            if redis.call('GET', KEYS[1]) == 'done' then return 'dup' end
            return 'inflight'""";
    private static final String CONFIRM = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2]) return 1 end
            return 0""";
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0""";

    private static final String STORED = """
            if redis.call('GET', KEYS[1]) == 'done' then return 0 end
            redis.call('SET', KEYS[1], 'done', 'PX', ARGV[1]) return 1""";

    private static final int PIPELINE_CHUNK = 256;
    private static final Duration CONFIRM_FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration CONFIRM_MAX_BACKOFF = Duration.ofSeconds(5);

    /** An event Kafka holds, by the dedup key's parts. */
    public record StoredEvent(String source, String messageId) {
    }

    private final Redis redis;
    private final Duration window;
    private final Duration inFlight;

    public Deduplicator(Redis redis, Duration window, Duration inFlight) {
        this.redis = redis;
        this.window = window;
        this.inFlight = inFlight;
    }

    /** The hash tag keeps each key in its own slot, so dedup spreads over a Redis cluster. */
    static String key(String source, String messageId) {
        return "cairn:ingest:dedup:{" + source + ":" + messageId + "}";
    }

    /** One pipelined round trip for the whole request, whatever its size. */
    public Uni<List<Claim>> reserve(String source, List<String> messageIds, String token) {
        if (messageIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return batch(RESERVE, source, messageIds, token, Long.toString(inFlight.toMillis()))
                .map(responses -> responses.stream().map(r -> switch (r.toString()) {
                    case "new" -> Claim.NEW;
                    case "dup" -> Claim.DUPLICATE;
                    default -> Claim.IN_FLIGHT;
                }).toList());
    }

    public Uni<Void> confirm(String source, List<String> messageIds, String token) {
        return each(CONFIRM, source, messageIds, token, Long.toString(window.toMillis()));
    }

    /**
     * {@link #confirm}, retried with backoff for as long as the reservation lasts: for events Kafka stored whose first
     * confirmation failed (Redis slow or away for a moment). Until it succeeds a retry of them is answered RETRY; if
     * the reservation expired first, a retry after that would be stored a second time, so the failure is the caller's
     * to count. Confirming is idempotent (only the reservation's own token is turned into done).
     */
    public Uni<Void> confirmWhileReserved(String source, List<String> messageIds, String token) {
        return confirm(source, messageIds, token).onFailure().retry()
                .withBackOff(CONFIRM_FIRST_BACKOFF, CONFIRM_MAX_BACKOFF).expireIn(inFlight.toMillis());
    }

    /**
     * Marks events Kafka is known to hold as done, whoever reserved them: after a crash between the commit of their
     * transaction and their confirmation ({@link DedupRecovery}). Returns how many were not marked done before.
     */
    public Uni<Integer> markStored(List<StoredEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        String window = Long.toString(this.window.toMillis());
        List<Uni<List<Response>>> chunks = new ArrayList<>();
        for (int start = 0; start < events.size(); start += PIPELINE_CHUNK) {
            List<Request> requests = new ArrayList<>(PIPELINE_CHUNK);
            for (StoredEvent e : events.subList(start, Math.min(events.size(), start + PIPELINE_CHUNK))) {
                requests.add(Request.cmd(Command.EVAL).arg(STORED).arg(1).arg(key(e.source(), e.messageId()))
                        .arg(window));
            }
            chunks.add(redis.batch(requests));
        }
        return Uni.join().all(chunks).andFailFast()
                .map(parts -> (int) parts.stream().flatMap(List::stream).filter(r -> r.toInteger() == 1).count())
                .onFailure().transform(e -> new DependencyUnavailableException("redis", e.getMessage(), e));
    }

    public Uni<Void> release(String source, List<String> messageIds, String token) {
        return each(RELEASE, source, messageIds, token, "0");
    }

    private Uni<Void> each(String script, String source, List<String> messageIds, String token, String arg) {
        if (messageIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return batch(script, source, messageIds, token, arg).replaceWithVoid();
    }

    private Uni<List<Response>> batch(String script, String source, List<String> messageIds, String token, String arg) {
        // Pipelined in chunks: one batch of a 2,500-event request would overflow the client's waiting queue.
        List<Uni<List<Response>>> chunks = new ArrayList<>();
        for (int start = 0; start < messageIds.size(); start += PIPELINE_CHUNK) {
            List<Request> requests = new ArrayList<>(PIPELINE_CHUNK);
            for (String id : messageIds.subList(start, Math.min(messageIds.size(), start + PIPELINE_CHUNK))) {
                requests.add(Request.cmd(Command.EVAL).arg(script).arg(1).arg(key(source, id)).arg(token).arg(arg));
            }
            chunks.add(redis.batch(requests));
        }
        return Uni.join().all(chunks).andFailFast()
                .map(parts -> parts.stream().flatMap(List::stream).toList())
                .onFailure().transform(e -> new DependencyUnavailableException("redis", e.getMessage(), e));
    }
}
