package dev.cairn.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.testsupport.KafkaResource;
import dev.cairn.testsupport.KeycloakServer;
import dev.cairn.testsupport.RedisResource;
import dev.cairn.testsupport.TestTokens;

/** The one test that runs the real OIDC flow end to end: a token from Keycloak, verified by discovery. */
@QuarkusTest
@TestProfile(KeycloakTokenTest.WithKeycloak.class)
class KeycloakTokenTest {

    public static class WithKeycloak implements QuarkusTestProfile {
        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaResource.class, Map.of("service", "ingest")),
                    new TestResourceEntry(RedisResource.class),
                    new TestResourceEntry(KeycloakServer.class));
        }

        @Override
        public String getConfigProfile() {
            return "keycloak-test";
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            // Its own config profile, so the %test values the other tests share are given here.
            return Map.of("quarkus.http.test-port", "0", "quarkus.management.test-port", "0",
                    "cairn.ingest.pii-hashing-key", "dGVzdC1vbmx5LXBpaS1oYXNoaW5nLWtleS0zMi1ieXRlcw==",
                    "cairn.consent-view.start-wait", "30s");
        }
    }

    private static IngestBatchRequest oneEvent() {
        return oneEvent("backend");
    }

    private static IngestBatchRequest oneEvent(String source) {
        return IngestBatchRequest.newBuilder().setSourceId(source)
                .addEvents(EventInput.newBuilder().setMessageId("kc-" + UUID.randomUUID())
                        .setType(EventType.EVENT_TYPE_TRACK).setEvent("Signed In").setUserId("user-kc"))
                .build();
    }

    @Test
    void a_keycloak_client_credentials_token_with_the_role_is_accepted() {
        String token = KeycloakServer.shared().clientCredentialsToken("cairn-admin");
        ManagedChannel channel = TestChannels.open();
        try {
            var response = IngestServiceGrpc.newBlockingStub(channel).withCallCredentials(TestTokens.bearer(token))
                    .ingestBatch(oneEvent());
            assertEquals(EventOutcome.EVENT_OUTCOME_ACCEPTED, response.getResults(0).getOutcome());
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * The realm's cairn-admin (what ./cairn, the CLI demo and the load tests call with) is granted every source of
     * contracts/ by its cairn_sources mapper: a source added without granting it fails here, not in CI's smoke.
     */
    @Test
    void the_local_realm_grants_cairn_admin_every_source_of_the_contracts() {
        String token = KeycloakServer.shared().clientCredentialsToken("cairn-admin");
        ManagedChannel channel = TestChannels.open();
        try {
            var stub = IngestServiceGrpc.newBlockingStub(channel).withCallCredentials(TestTokens.bearer(token));
            for (String source : IngestFixtures.ALL_SOURCES) {
                // Answered per event (not refused): what each source then does with "Signed In" is its contract's.
                var response = stub.ingestBatch(oneEvent(source));
                assertEquals(1, response.getResultsCount(), source + ": " + response);
                assertNotEquals(EventOutcome.EVENT_OUTCOME_RETRY, response.getResults(0).getOutcome(),
                        source + ": " + response);
            }
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void a_keycloak_token_without_the_role_is_forbidden_and_no_token_is_unauthenticated() {
        String productToken = KeycloakServer.shared().clientCredentialsToken("cairn-product");
        ManagedChannel channel = TestChannels.open();
        try {
            var stub = IngestServiceGrpc.newBlockingStub(channel);
            StatusRuntimeException forbidden = assertThrows(StatusRuntimeException.class,
                    () -> stub.withCallCredentials(TestTokens.bearer(productToken)).ingestBatch(oneEvent()));
            assertEquals(Status.Code.PERMISSION_DENIED, forbidden.getStatus().getCode());
            StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class,
                    () -> stub.ingestBatch(oneEvent()));
            assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());
        } finally {
            channel.shutdownNow();
        }
    }
}
