package dev.cairn.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonParser;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import dev.cairn.platform.grpc.BackpressureException;
import dev.cairn.platform.grpc.GrpcErrors;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.testsupport.KafkaResource;
import dev.cairn.testsupport.KeycloakServer;
import dev.cairn.testsupport.PackagedService;
import dev.cairn.testsupport.PostgresResource;
import dev.cairn.testsupport.RedisResource;

/**
 * The client against the real identity and segments services (their packaged apps, on real Kafka, Redis and
 * PostgreSQL) and a real Keycloak issuing the tokens: the client fetches and refreshes them itself, and identity verifies them as in
 * production. Failures are made the way they happen: a frozen instance for the deadline, a front that answers
 * UNAVAILABLE or RESOURCE_EXHAUSTED before forwarding to identity for the retries, a token that really expires.
 */
class CairnClientIT {

    private static KeycloakServer keycloak;
    private static PackagedService identity;
    private static PackagedService segments;

    @BeforeAll
    static void start() throws IOException {
        keycloak = KeycloakServer.shared();
        Map<String, String> identityConfig = config("identity");
        identityConfig.putAll(new PostgresResource().start());
        Map<String, String> segmentsConfig = config("segments");
        // Under the test profile segments reads these relative to its module; the packaged app runs elsewhere.
        segmentsConfig.put("%test.cairn.segments.definitions-file",
                Path.of(System.getProperty("test.cairn.root"), "contracts/segments/segments.yaml").toString());
        segmentsConfig.put("%test.kafka-streams.state.dir",
                Files.createTempDirectory("cairn-client-it-segments-").toString());
        // Both boot at once: what the tests wait for is the slower of the two, not their sum.
        CompletableFuture<PackagedService> identityUp = CompletableFuture
                .supplyAsync(() -> PackagedService.start("identity", identityConfig));
        CompletableFuture<PackagedService> segmentsUp = CompletableFuture
                .supplyAsync(() -> PackagedService.start("segments", segmentsConfig));
        identity = identityUp.join();
        segments = segmentsUp.join();
    }

    /** Real Kafka (as the service's own principal), Redis and the test Keycloak as the issuer. */
    private static Map<String, String> config(String service) {
        Map<String, String> config = new HashMap<>(KafkaResource.properties(service));
        config.putAll(new RedisResource().start());
        config.put("quarkus.oidc.auth-server-url", keycloak.issuer());
        return config;
    }

    @AfterAll
    static void stop() {
        for (PackagedService service : new PackagedService[]{identity, segments}) {
            if (service != null) {
                service.close();
            }
        }
    }

    @Test
    void resolves_with_a_token_it_fetched_from_the_issuer_itself() {
        try (CairnClient cairn = patient(identity.target(), credentials("cairn-product")).build()) {
            Resolution unknown = cairn.identity().resolve(visitor());
            assertFalse(unknown.getFound(), "an identifier never linked resolves to no profile");
            assertEquals(1, cairn.identity().batchResolve(List.of(visitor())).size());
        }
    }

    @Test
    void segments_answers_for_a_visitor_it_has_never_seen() {
        try (CairnClient cairn = CairnClient.builder().segments(segments.target()).plaintext()
                .credentials(credentials("cairn-product")).deadline(Duration.ofSeconds(15)).build()) {
            Identifier visitor = visitor();
            assertFalse(cairn.segments().isMember(visitor, "active_last_7_days"));
            assertEquals(0, cairn.segments().listMemberships(visitor).getMembershipsCount());
        }
    }

    @Test
    void a_call_nobody_answers_ends_at_the_default_deadline_and_is_not_retried() {
        FlakyFront front = FlakyFront.of(identity.target());
        try (front; CairnClient cairn = client(front.target(), credentials("cairn-product")).build()) {
            identity.freeze();
            Instant asked = Instant.now();
            StatusRuntimeException e;
            try {
                e = assertThrows(StatusRuntimeException.class, () -> cairn.identity().resolve(visitor()));
            } finally {
                identity.thaw();
            }
            Duration waited = Duration.between(asked, Instant.now());
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            Duration deadline = CairnClient.DEFAULT_DEADLINE;
            assertTrue(waited.compareTo(deadline.minusMillis(100)) >= 0
                    && waited.compareTo(deadline.plusSeconds(3)) < 0,
                    "gave up after " + waited + ", not at the default deadline of " + deadline);
            assertEquals(1, front.attempts(IdentityServiceGrpc.getResolveMethod()),
                    "DEADLINE_EXCEEDED must not be retried");
        }
    }

    @Test
    void unavailable_is_retried_with_backoff_until_the_service_answers() {
        FlakyFront front = FlakyFront.of(identity.target());
        try (front; CairnClient cairn = patient(front.target(), credentials("cairn-product")).build()) {
            front.failNext(Status.UNAVAILABLE.withDescription("instance restarting").asException());
            front.failNext(Status.UNAVAILABLE.withDescription("instance restarting").asException());
            Resolution answer = cairn.identity().resolve(visitor());
            assertFalse(answer.getFound());
            assertEquals(3, front.attempts(IdentityServiceGrpc.getResolveMethod()),
                    "two UNAVAILABLE answers, then the service's own");
        }
    }

    @Test
    void invalid_argument_from_the_service_is_not_retried() {
        FlakyFront front = FlakyFront.of(identity.target());
        try (front; CairnClient cairn = patient(front.target(), credentials("cairn-product")).build()) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> cairn.identity().resolve(Identifier.getDefaultInstance()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), "identity refuses an empty identifier");
            assertEquals(1, front.attempts(IdentityServiceGrpc.getResolveMethod()));
        }
    }

    @Test
    void resource_exhausted_is_retried_after_the_servers_delay_only_when_it_gives_one() {
        FlakyFront front = FlakyFront.of(identity.target());
        try (front; CairnClient cairn = patient(front.target(), credentials("cairn-product")).build()) {
            // Exactly what every Cairn service answers to backpressure (GrpcErrors): RetryInfo and its pushback.
            Duration delay = Duration.ofMillis(700);
            front.failNext(GrpcErrors.toStatusException(new BackpressureException("source rate limit", delay)));
            Instant asked = Instant.now();
            assertFalse(cairn.identity().resolve(visitor()).getFound());
            Duration waited = Duration.between(asked, Instant.now());
            assertEquals(2, front.attempts(IdentityServiceGrpc.getResolveMethod()));
            assertTrue(waited.compareTo(delay) >= 0, "retried after " + waited + ", before the server's " + delay);

            // Exhausted with no word on when it recovers (a quota): the caller learns at once.
            front.failNext(Status.RESOURCE_EXHAUSTED.withDescription("quota").asException());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> cairn.identity().resolve(visitor()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertEquals(3, front.attempts(IdentityServiceGrpc.getResolveMethod()));
        }
    }

    @Test
    void the_token_is_refreshed_before_it_expires_and_calls_go_on_across_the_expiry() {
        OidcClientCredentials credentials = credentials(KeycloakServer.SHORT_LIVED_CLIENT);
        try (CairnClient cairn = patient(identity.target(), credentials).build()) {
            cairn.identity().resolve(visitor());
            OidcClientCredentials.Token first = credentials.current();
            assertTrue(Duration.between(first.askedAt(), first.expiresAt())
                    .compareTo(KeycloakServer.SHORT_LIVED_TOKEN_LIFESPAN) <= 0, "a short-lived token: " + first);

            // Past the refresh point: this call still carries the first token and starts fetching the next.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Instant.now().isAfter(first.refreshAt()));
            cairn.identity().resolve(visitor());
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> credentials.current() != first);
            OidcClientCredentials.Token second = credentials.current();
            assertNotEquals(first.value(), second.value());
            // Asked for while the first was still valid: how long the issuer takes to answer is not the client's.
            assertTrue(second.askedAt().isBefore(first.expiresAt()), "refreshed only after the token expired");

            // Past the first token's exp claim: identity would refuse it (UNAUTHENTICATED); the second one serves.
            Instant firstExp = exp(first.value());
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> Instant.now().isAfter(firstExp.plusSeconds(1)));
            assertFalse(cairn.identity().resolve(visitor()).getFound());
        }
    }

    /** The {@code exp} claim of a JWT, as the service checks it. */
    private static Instant exp(String jwt) {
        String payload = new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
        return Instant.ofEpochSecond(JsonParser.parseString(payload).getAsJsonObject().get("exp").getAsLong());
    }

    /** A client as shipped: the default deadline and retry policy. */
    private static CairnClient.Builder client(String target, OidcClientCredentials credentials) {
        return CairnClient.builder().identity(target).plaintext().credentials(credentials);
    }

    /**
     * A client whose deadline outlasts any stall of a machine shared with the build, for the tests whose subject is
     * not the deadline.
     */
    private static CairnClient.Builder patient(String target, OidcClientCredentials credentials) {
        return client(target, credentials).deadline(Duration.ofSeconds(15));
    }

    /**
     * Credentials holding their first token, as a service fetches it at start-up: the tests' short deadlines are for
     * identity, not for a Keycloak that shares two cores with the build.
     */
    private static OidcClientCredentials credentials(String clientId) {
        OidcClientCredentials credentials = OidcClientCredentials.of(URI.create(keycloak.issuer()), clientId,
                keycloak.clientSecret(clientId));
        credentials.prefetch().orTimeout(60, TimeUnit.SECONDS).join();
        return credentials;
    }

    private static Identifier visitor() {
        return Identifiers.of("anonymous_id", "a-" + UUID.randomUUID());
    }
}
