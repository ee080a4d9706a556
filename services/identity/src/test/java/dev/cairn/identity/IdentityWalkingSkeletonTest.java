package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.testsupport.TopicReader;

@QuarkusTest
class IdentityWalkingSkeletonTest {

    @Test
    void links_on_kafka_become_one_profile_that_resolves_from_any_identifier_and_is_published() {
        String user = IdentityFixture.unique("user");
        String anon = IdentityFixture.unique("anon");
        Identifier userId = id("user_id", user);
        Identifier anonymousId = id("anonymous_id", anon);
        Identifier email = id("email", "  " + user.toUpperCase() + "@Shop.Example.ORG ");
        IdentityFixture.publish(IdentityFixture.links(anonymousId, userId),
                IdentityFixture.links(userId, email));

        ManagedChannel channel = IdentityFixture.channel();
        try {
            Resolution byAnon = IdentityFixture.awaitResolution(channel, anonymousId,
                    r -> r.getFound() && r.getIdentifiersCount() == 3);
            assertEquals(Set.of("anonymous_id:" + anon, "user_id:" + user, "email:" + user + "@shop.example.org"),
                    keys(byAnon.getIdentifiersList()), "all linked identifiers, email normalized");
            Resolution byEmail = IdentityFixture.resolve(channel, id("email", user + "@shop.example.org"));
            assertEquals(byAnon.getProfileId(), byEmail.getProfileId(), "every identifier resolves to one profile");
            assertTrue(!byAnon.getAmbiguous());

            var published = TopicReader.read("cairn.identity.changes.v1", r -> {
                IdentityChange c = parse(r.value());
                return c.getProfileId().equals(byAnon.getProfileId())
                        && c.getKind() == IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED;
            }, 2, Duration.ofSeconds(20));
            assertEquals(2, published.size(), "both links were published to cairn.identity.changes.v1");
            assertEquals(byAnon.getProfileId(), new String(published.get(0).key()), "keyed by profile id");
        } finally {
            channel.shutdownNow();
        }
    }

    static Set<String> keys(List<Identifier> ids) {
        return ids.stream().map(i -> i.getNamespace() + ":" + i.getValue()).collect(Collectors.toSet());
    }

    static IdentityChange parse(byte[] value) {
        try {
            return IdentityChange.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
