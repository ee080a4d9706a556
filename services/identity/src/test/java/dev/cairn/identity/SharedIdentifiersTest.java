package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.Resolution;

/** Must hold: a shared device never merges its users; a junk or hard-coded identifier never links anything. */
@QuarkusTest
class SharedIdentifiersTest {

    @Test
    void a_device_shared_by_many_user_ids_never_merges_those_users() {
        Identifier device = id("device_id", IdentityFixture.unique("family-tablet"));
        List<Identifier> users = List.of(id("user_id", IdentityFixture.unique("mum")),
                id("user_id", IdentityFixture.unique("dad")), id("user_id", IdentityFixture.unique("kid")));
        Identifier kidSession = id("anonymous_id", IdentityFixture.unique("kid-session"));
        IdentityFixture.publish(IdentityFixture.links(users.get(0), device),
                IdentityFixture.links(users.get(1), device), IdentityFixture.links(users.get(2), device),
                IdentityFixture.links(kidSession, device));

        ManagedChannel channel = IdentityFixture.channel();
        try {
            Resolution tablet = IdentityFixture.awaitResolution(channel, device, Resolution::getAmbiguous);
            List<Resolution> resolved = users.stream()
                    .map(u -> IdentityFixture.awaitResolution(channel, u, Resolution::getFound)).toList();
            Set<String> profiles = resolved.stream().map(Resolution::getProfileId).collect(Collectors.toSet());
            assertEquals(3, profiles.size(), "three users, three profiles: " + resolved);
            for (Resolution r : resolved) {
                long userIds = r.getIdentifiersList().stream().filter(i -> i.getNamespace().equals("user_id")).count();
                assertEquals(1, userIds, "no profile holds two user_ids: " + r);
            }
            assertTrue(tablet.getFound(), "identity knows the tablet: " + tablet);
            assertEquals("", tablet.getProfileId(), "a shared tablet is attributed to no one: " + tablet);
            assertEquals(List.of(device), tablet.getIdentifiersList(), "it lists only itself: " + tablet);
            for (Resolution r : resolved) {
                assertFalse(r.getIdentifiersList().contains(device), "no profile lists the shared tablet: " + r);
            }
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void junk_and_hard_coded_identifiers_never_link_anything() {
        Identifier u1 = id("user_id", IdentityFixture.unique("u"));
        Identifier u2 = id("user_id", IdentityFixture.unique("u"));
        Identifier u3 = id("user_id", IdentityFixture.unique("u"));
        Identifier anon = id("anonymous_id", IdentityFixture.unique("a"));
        IdentityFixture.publish(
                IdentityFixture.links(u1, id("anonymous_id", "null")),
                IdentityFixture.links(u2, id("anonymous_id", "null")),
                IdentityFixture.links(u1, id("device_id", "00000000-0000-0000-0000-000000000000")),
                IdentityFixture.links(u2, id("device_id", "00000000-0000-0000-0000-000000000000")),
                IdentityFixture.links(u1, id("email", "info@shop.com")),
                IdentityFixture.links(u3, id("email", " INFO@shop.com ")),
                IdentityFixture.links(id("user_id", "undefined"), anon),
                IdentityFixture.links(id("user_id", "0"), u3));

        ManagedChannel channel = IdentityFixture.channel();
        try {
            Resolution r1 = IdentityFixture.awaitResolution(channel, u1, Resolution::getFound);
            Resolution r2 = IdentityFixture.awaitResolution(channel, u2, Resolution::getFound);
            Resolution r3 = IdentityFixture.awaitResolution(channel, u3, Resolution::getFound);
            Resolution ra = IdentityFixture.awaitResolution(channel, anon, Resolution::getFound);
            assertEquals(Set.of(r1.getProfileId(), r2.getProfileId(), r3.getProfileId(), ra.getProfileId()).size(), 4,
                    "nobody linked through a junk value");
            for (Resolution r : List.of(r1, r2, r3, ra)) {
                assertEquals(1, r.getIdentifiersCount(), "only the real identifier: " + r);
            }
            // The three events of u1 may sit on different partitions: wait until all three are decided.
            var u1History = IdentityFixture.await(() -> IdentityFixture.stub(channel, "identity.operator")
                    .explainProfile(ExplainProfileRequest.newBuilder().setProfileId(r1.getProfileId()).build())
                    .getEntriesList(),
                    h -> h.stream()
                            .filter(c -> c.getKind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_REFUSED).count() >= 3,
                    java.time.Duration.ofSeconds(30));
            for (String rule : List.of("blocked.placeholder", "blocked.zeros", "blocked.shared_mailbox")) {
                assertEquals(1,
                        u1History.stream().filter(c -> c.getKind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_REFUSED
                                && c.getCause().getRule().equals(rule)).count(),
                        "the log explains the refusal " + rule);
            }
            for (Identifier junk : List.of(id("anonymous_id", "null"), id("email", "info@shop.com"),
                    id("user_id", "undefined"), id("user_id", "0"))) {
                assertFalse(IdentityFixture.resolve(channel, junk).getFound(), junk + " resolves to nothing");
            }
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void a_redelivered_record_changes_nothing() {
        Identifier user = id("user_id", IdentityFixture.unique("u"));
        var record = IdentityFixture.links(user, id("anonymous_id", "undefined"));
        IdentityFixture.publish(record, record);
        Identifier marker = id("anonymous_id", IdentityFixture.unique("after"));
        IdentityFixture.publish(IdentityFixture.links(user, marker));
        ManagedChannel channel = IdentityFixture.channel();
        try {
            Resolution r = IdentityFixture.awaitResolution(channel, marker, Resolution::getFound);
            var history = IdentityFixture.stub(channel, "identity.operator").explainProfile(
                    ExplainProfileRequest.newBuilder().setProfileId(r.getProfileId()).build()).getEntriesList();
            assertEquals(1, history.stream().filter(c -> c.getKind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_REFUSED)
                    .count(), "the same messageId twice is decided once: " + history);
        } finally {
            channel.shutdownNow();
        }
    }
}
