package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipChangeCause;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.testsupport.TopicReader;

@QuarkusTest
class SegmentsWalkingSkeletonTest {

    @Test
    void two_checkouts_on_kafka_make_the_profile_a_member_answered_over_grpc_and_published_as_a_change()
            throws Exception {
        String user = "u-" + UUID.randomUUID();
        Instant now = Instant.now();
        ManagedChannel channel = TestChannels.open();
        try (InputProducer kafka = new InputProducer()) {
            var stub = TestChannels.reader(channel);
            IsMemberRequest ask = IsMemberRequest.newBuilder().addQueries(MembershipQuery.newBuilder()
                    .setProfile(ProfileRef.newBuilder().setIdentifier(
                            Identifier.newBuilder().setNamespace("user_id").setValue(user)))
                    .setSegmentId("repeat_buyers")).build();

            kafka.event(InputProducer.track(user, "checkout_completed", now.minusSeconds(60), Map.of()));
            // An identify after it on the same partition: once its trait is visible, the checkout was evaluated.
            kafka.event(InputProducer.identify(user, now.minusSeconds(59),
                    Map.of("plan", Value.newBuilder().setStringValue("pro").build())));
            GetTraitsRequest traits = GetTraitsRequest.newBuilder().setProfile(ask.getQueries(0).getProfile()).build();
            // Computed traits show after the checkout already; the identify's own trait is what says it arrived.
            await(() -> stub.getTraits(traits).getTraits().containsFields("plan"), Duration.ofSeconds(60));
            assertEquals("pro", stub.getTraits(traits).getTraits().getFieldsOrThrow("plan").getStringValue());
            assertFalse(stub.isMember(ask).getAnswers(0).getMember(), "one checkout is not enough");

            kafka.event(InputProducer.track(user, "checkout_completed", now, Map.of()));
            await(() -> stub.isMember(ask).getAnswers(0).getMember(), Duration.ofSeconds(60));
            var answer = stub.isMember(ask).getAnswers(0);
            assertEquals("user_id:" + user, answer.getProfileId(), "an unlinked identifier is its own profile");
            assertEquals(1, answer.getDefinitionVersion());
        } finally {
            channel.shutdownNow();
        }

        var changes = TopicReader.read("cairn.segments.changes.v1",
                r -> parse(r.value()).getProfileId().equals("user_id:" + user)
                        && parse(r.value()).getSegmentId().equals("repeat_buyers"),
                1, Duration.ofSeconds(20));
        assertEquals(1, changes.size(), "one ENTERED change, published once");
        MembershipChange c = parse(changes.get(0).value());
        assertEquals("repeat_buyers", c.getSegmentId());
        assertEquals(MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED, c.getTransition());
        assertEquals(MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_EVENT, c.getCause());
        assertTrue(!c.getEventMessageId().isEmpty(), "the causing event is named");
        assertEquals(1, c.getMembershipVersion());
    }

    static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(condition::getAsBoolean);
    }

    static MembershipChange parse(byte[] value) {
        try {
            return MembershipChange.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
