package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static dev.cairn.identity.IdentityFixture.links;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.cairn.identity.service.IdentityLinker;
import dev.cairn.identity.service.IdentityLinker.Linked;
import dev.cairn.identity.service.IdentityLinker.Outcome;
import dev.cairn.proto.events.v1.Identifier;

/**
 * A poll of repeat visitors (identifiers already together) is decided against a snapshot, without the space's lock:
 * while another transaction holds that lock, it is answered UNCHANGED at once, and a poll that changes the graph (a
 * fresh person) waits for the lock and is decided after it is released. Without the snapshot path, the repeat poll
 * waits for the lock too and this test fails on its timeout.
 */
@QuarkusTest
class RepeatVisitorsWithoutTheLockTest {

    private static final String LOCK = "select published_seq from identity_space where space = $1 for update";
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Inject
    IdentityLinker linker;

    @Inject
    Pool pool;

    @Test
    void repeat_visitors_are_decided_while_the_space_lock_is_held_and_a_change_waits_for_it() throws Exception {
        String tag = IdentityFixture.unique("rv");
        String space = "repeat-" + tag;
        Identifier user = id("user_id", tag + "-u");
        Identifier anon = id("anonymous_id", tag + "-a");
        Identifier email = id("email", tag + "@repeat.example.net");
        assertEquals(List.of(Outcome.DECIDED), outcomes(linker.linkAll(space, List.of(links(user, anon, email)))
                .await().atMost(PATIENCE)));
        // Their first repeat records that these identifiers were seen together as such (evidence of its own); from
        // then on the same visits change nothing.
        linker.linkAll(space, List.of(links(anon, user), links(user, email, anon))).await().atMost(PATIENCE);

        SqlConnection holder = pool.getConnection().await().atMost(PATIENCE);
        Transaction held = holder.begin().await().atMost(PATIENCE);
        CompletableFuture<List<Linked>> change;
        try {
            holder.preparedQuery(LOCK).execute(Tuple.of(space)).await().atMost(PATIENCE);

            List<Linked> repeat = linker.linkAll(space, List.of(links(anon, user), links(user, email, anon)))
                    .await().atMost(Duration.ofSeconds(10));
            assertEquals(List.of(Outcome.UNCHANGED, Outcome.UNCHANGED), outcomes(repeat));

            // A new device of the same person changes the graph: that needs the lock.
            change = linker.linkAll(space, List.of(links(user, id("device_id", tag + "-d"))))
                    .subscribeAsCompletionStage();
            Thread.sleep(1_500); // how long the change must keep waiting for a lock that is not released
            assertFalse(change.isDone(), "a poll that changes the graph was decided while the space lock was held");
        } finally {
            held.rollback().await().atMost(PATIENCE);
            holder.close().await().atMost(PATIENCE);
        }
        assertEquals(List.of(Outcome.DECIDED), outcomes(change.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)));
    }

    private static List<Outcome> outcomes(List<Linked> linked) {
        return linked.stream().map(Linked::outcome).toList();
    }
}
