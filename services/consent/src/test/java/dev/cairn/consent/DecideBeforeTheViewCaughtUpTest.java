package dev.cairn.consent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

import dev.cairn.proto.consent.v1.ConsentServiceGrpc.ConsentServiceBlockingStub;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.Decision;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.GetConsentStateRequest;
import dev.cairn.proto.events.v1.ConsentReason;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.testsupport.TestTopics;

/**
 * Decide through gRPC while the service's consent view has not caught up: its state topic holds a withdrawal, but
 * its suppression topic (which the view reads too) does not exist yet, so the view cannot have caught up until
 * the test creates it. Nothing in the service is stubbed; the view simply has not read its topics.
 */
@QuarkusTest
@TestProfile(DecideBeforeTheViewCaughtUpTest.LateTopics.class)
class DecideBeforeTheViewCaughtUpTest {

    static final String STATE_TOPIC = "test.decide-before.consent.state.v1";
    static final String SUPPRESSION_TOPIC = "test.decide-before.privacy.suppression.v1";

    /** The view reads topics of this test instead of the catalogue's, which already exist. */
    public static class LateTopics implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Not waiting at start for a view that cannot catch up before the test lets it.
            return Map.of("cairn.consent-view.topic", STATE_TOPIC, "cairn.consent-view.suppression-topic",
                    SUPPRESSION_TOPIC, "%test.cairn.consent-view.start-wait", "0s");
        }
    }

    @Test
    void decide_answers_unavailable_until_the_view_caught_up_and_then_the_withdrawal_it_read_never_the_default() {
        Identifier subject = Identifier.newBuilder().setNamespace("user_id").setValue("u-" + UUID.randomUUID())
                .build();
        String key = "user_id:" + subject.getValue();
        TestTopics.createCompacted(STATE_TOPIC, 6);
        // Withdrawn in the default jurisdiction, where analytics is allowed until withdrawn.
        TestKafka.send(STATE_TOPIC, key, ConsentViewCatchUpTest.withdrawal(key).toByteArray());

        ManagedChannel channel = TestChannels.open();
        try {
            ConsentServiceBlockingStub stub = TestChannels.stub(channel, "consent.read");
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> decide(stub, subject));
            assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
            assertTrue(refused.getStatus().getDescription().contains("consent view"), refused.toString());
            StatusRuntimeException state = assertThrows(StatusRuntimeException.class,
                    () -> stub.getConsentState(GetConsentStateRequest.newBuilder().setSubject(subject).build()));
            assertEquals(Status.Code.UNAVAILABLE, state.getStatus().getCode());
            String notReady = RestAssured.get(health()).then().statusCode(503).extract().asString();
            assertTrue(notReady.contains("\"caughtUp\": false"), notReady);

            TestTopics.createCompacted(SUPPRESSION_TOPIC, 6);
            Decision answered = await().atMost(Duration.ofSeconds(30)).until(() -> decideIfAvailable(stub, subject),
                    Optional::isPresent).get();
            assertFalse(answered.getAllowed(), "the first answer is the withdrawal the view read: " + answered);
            assertEquals(ConsentReason.CONSENT_REASON_EXPLICIT_CHOICE, answered.getReason());
            String ready = RestAssured.get(health()).then().statusCode(200).extract().asString();
            assertTrue(ready.contains("\"caughtUp\": true") && ready.contains("\"withinLagBound\": true"), ready);
            String metrics = RestAssured.get(management() + "/q/metrics").then().statusCode(200).extract().asString();
            double lag = metrics.lines()
                    .filter(l -> l.startsWith("cairn_consent_view_lag_records{")
                            && l.contains("topic=\"" + STATE_TOPIC + "\""))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                    .orElseThrow(() -> new AssertionError("no lag gauge for " + STATE_TOPIC + " in\n" + metrics));
            assertEquals(0.0, lag, "the lag gauge is zero once caught up");
        } finally {
            channel.shutdownNow();
        }
    }

    private static Decision decide(ConsentServiceBlockingStub stub, Identifier subject) {
        return stub.decide(DecideRequest.newBuilder()
                .addQueries(DecisionQuery.newBuilder().setSubject(subject).setPurpose("analytics")).build())
                .getDecisions(0);
    }

    private static Optional<Decision> decideIfAvailable(ConsentServiceBlockingStub stub, Identifier subject) {
        try {
            return Optional.of(decide(stub, subject));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                throw e;
            }
            return Optional.empty();
        }
    }

    private static String management() {
        return "http://127.0.0.1:"
                + ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    }

    private static String health() {
        return management() + "/q/health/ready";
    }
}
