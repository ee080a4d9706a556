package dev.cairn.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

import dev.cairn.ingest.service.Deduplicator;
import dev.cairn.ingest.service.Deduplicator.Claim;
import dev.cairn.testsupport.RedisServer;

/**
 * Events Kafka stored whose dedup confirmation failed stayed in flight until their reservation expired, and a
 * client's retry after that was stored a second time (1,900 events on raw and governed twice in a
 * faults-postgres-restart run on a loaded machine, Redis answering ingest "unavailable" for a while). The confirmation
 * is now retried while the reservation lasts. Here a real Redis refuses ingest's commands (its user loses every
 * right) when the first confirmation is sent and for a second after; the retried confirmation must land once Redis
 * takes commands again, and a retry of the events is then answered DUPLICATE.
 */
class DedupConfirmRetryTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void a_confirmation_refused_at_first_is_retried_until_redis_takes_it() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (RedisServer server = RedisServer.start(dir)) {
            Redis client = Redis.createClient(vertx, server.url());
            Redis.createClient(vertx, server.url()).send(Request.cmd(Command.ACL).arg("SETUSER").arg("operator")
                    .arg("on").arg(">operator-secret").arg("~*").arg("&*").arg("+@all")).await().atMost(PATIENCE);
            Redis operator = Redis.createClient(vertx, "redis://operator:operator-secret@127.0.0.1:" + server.port());
            Deduplicator dedup = new Deduplicator(client, Duration.ofMinutes(10), Duration.ofSeconds(30));
            List<String> ids = List.of("m-1", "m-2", "m-3");
            assertEquals(List.of(Claim.NEW, Claim.NEW, Claim.NEW),
                    dedup.reserve("backend", ids, "the-request").await().atMost(PATIENCE));

            operator.send(Request.cmd(Command.ACL).arg("SETUSER").arg("default").arg("-@all")).await()
                    .atMost(PATIENCE);
            assertThrows(RuntimeException.class,
                    () -> dedup.confirm("backend", ids, "the-request").await().atMost(PATIENCE),
                    "Redis refuses: the first confirmation fails");
            CompletableFuture<Void> patient = dedup.confirmWhileReserved("backend", ids, "the-request")
                    .subscribeAsCompletionStage();
            Thread.sleep(1_000); // how long Redis keeps refusing: the outage is the experiment, not a condition
            assertFalse(patient.isDone(), "the confirmation is still being retried while Redis refuses");

            operator.send(Request.cmd(Command.ACL).arg("SETUSER").arg("default").arg("+@all")).await()
                    .atMost(PATIENCE);
            patient.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertEquals(List.of(Claim.DUPLICATE, Claim.DUPLICATE, Claim.DUPLICATE),
                    dedup.reserve("backend", ids, "a-retry").await().atMost(PATIENCE),
                    "a retry of the stored events is a duplicate, not stored again");
        } finally {
            vertx.closeAndAwait();
        }
    }
}
