package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.identity.service.LogOutbox;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.identity.v1.EraseSubjectRequest;
import dev.cairn.proto.identity.v1.EraseSubjectResponse;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.Resolution;

/** Erasure destroys the identifiers' keys and drops the graph; the log stays, and a rebuild yields nothing. */
@QuarkusTest
class EraseSubjectTest {

    @Inject
    LogOutbox outbox;

    @Inject
    RedisDataSource redis;

    @Test
    void an_erased_subject_is_gone_from_the_graph_and_a_rebuild_from_the_log_brings_nothing_back() {
        String tag = IdentityFixture.unique("erase");
        Identifier user = id("user_id", tag + "-u");
        Identifier anon = id("anonymous_id", tag + "-a");
        Identifier email = id("email", tag + "@erase.example.net");
        Identifier bystander = id("user_id", tag + "-other");
        IdentityFixture.publish(IdentityFixture.links(anon, user), IdentityFixture.links(user, email),
                IdentityFixture.links(bystander, id("anonymous_id", tag + "-other-a")));
        ManagedChannel channel = IdentityFixture.channel();
        try {
            Resolution before = IdentityFixture.awaitResolution(channel, email, r -> r.getIdentifiersCount() == 3);
            IdentityFixture.awaitResolution(channel, bystander, Resolution::getFound);
            String requestId = "erasure-" + UUID.randomUUID();
            EraseSubjectRequest request = EraseSubjectRequest.newBuilder().setErasureRequestId(requestId)
                    .addIdentifiers(id("email", " " + tag.toUpperCase() + "@Erase.Example.NET")).build();
            EraseSubjectResponse erased = IdentityFixture.stub(channel, "identity.erase").eraseSubject(request);
            assertEquals(List.of(before.getProfileId()), erased.getProfileIdsList());
            assertEquals(Set.of(user, anon, email), Set.copyOf(erased.getIdentifiersList()));
            assertEquals(3, erased.getKeysDestroyed());

            IdentityFixture.awaitResolution(channel, user, r -> !r.getFound());
            assertFalse(IdentityFixture.resolve(channel, anon).getFound());

            EraseSubjectResponse again = IdentityFixture.stub(channel, "identity.erase").eraseSubject(request);
            assertEquals(erased.getSequence(), again.getSequence(), "idempotent per erasure request");

            var history = IdentityFixture.stub(channel, "identity.operator").explainProfile(
                    ExplainProfileRequest.newBuilder().setProfileId(before.getProfileId()).build()).getEntriesList();
            assertTrue(history.stream().anyMatch(c -> c.getKind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_DELETED));
            assertTrue(history.stream().allMatch(c -> c.getIdentifiersCount() == 0),
                    "the log keeps the entries, but no value is readable any more: " + history);

            redis.flushall();
            GraphProbe.await(() -> outbox.rebuild("default"));
            for (Identifier gone : List.of(user, anon, email)) {
                assertFalse(IdentityFixture.resolve(channel, gone).getFound(), gone + " stays erased after a rebuild");
            }
            assertTrue(IdentityFixture.resolve(channel, bystander).getFound(), "others are rebuilt");
        } finally {
            channel.shutdownNow();
        }
    }
}
