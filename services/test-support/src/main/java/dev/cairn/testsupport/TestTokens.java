package dev.cairn.testsupport;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.jwt.build.Jwt;

/**
 * Bearer tokens for tests, RS256-signed by a key pair made once per test JVM. The service under test
 * verifies them with the real OIDC bearer-token code path (quarkus-oidc with a local public key), so a
 * forged, expired or role-less token is refused exactly as in production. Keycloak itself is exercised
 * by one test class (KeycloakServer).
 */
public final class TestTokens implements QuarkusTestResourceLifecycleManager {

    public static final String ISSUER = "https://cairn.test/issuer";
    /**
     * The audience every Cairn service requires ({@code quarkus.oidc.token.audience}, set in the platform defaults):
     * the tokens here carry it unless a method says otherwise, as Keycloak's cairn realm puts it in its tokens.
     */
    public static final String AUDIENCE = "cairn";
    private static final KeyPair KEYS = generate();

    @Override
    public Map<String, String> start() {
        return Map.of("quarkus.oidc.public-key", Base64.getEncoder().encodeToString(KEYS.getPublic().getEncoded()),
                "quarkus.oidc.token.issuer", ISSUER);
    }

    @Override
    public void stop() {
    }

    /** A token valid for five minutes with the given realm roles. */
    public static String withRoles(String... roles) {
        return token(Set.of(roles), Instant.now().plus(Duration.ofMinutes(5)), Map.of());
    }

    /** A token valid for the given time from now, with the given realm roles. */
    public static String withRolesFor(Duration lifetime, String... roles) {
        return token(Set.of(roles), Instant.now().plus(lifetime), Map.of());
    }

    /**
     * A token valid for five minutes with the given realm roles and further claims, as an issuer's mappers add them
     * (e.g. the sources ingest's {@code cairn_sources} grants).
     */
    public static String withClaims(Map<String, ?> claims, String... roles) {
        return token(Set.of(roles), Instant.now().plus(Duration.ofMinutes(5)), claims);
    }

    /** A token valid for the given time from now, with the given realm roles and further claims. */
    public static String withClaimsFor(Duration lifetime, Map<String, ?> claims, String... roles) {
        return token(Set.of(roles), Instant.now().plus(lifetime), claims);
    }

    /** A token that expired a minute ago, though otherwise valid. */
    public static String expired(String... roles) {
        return token(Set.of(roles), Instant.now().minus(Duration.ofMinutes(1)), Map.of());
    }

    /** A well-formed token signed by a key the service does not trust. */
    public static String forged(String... roles) {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject("mallory")
                .claim("realm_access", Map.of("roles", List.of(roles)))
                .expiresAt(Instant.now().plus(Duration.ofMinutes(5))).jws().sign(generate().getPrivate());
    }

    /**
     * A token the trusted issuer signed for another API (audience {@code audience}), with the given roles: the
     * issuer is shared by many APIs, so such a token is genuine but must not be accepted by Cairn.
     */
    public static String forAudience(String audience, String... roles) {
        return Jwt.issuer(ISSUER).audience(audience).subject("test-client")
                .claim("realm_access", Map.of("roles", List.of(roles)))
                .expiresAt(Instant.now().plus(Duration.ofMinutes(5))).jws().sign(KEYS.getPrivate());
    }

    /** A token the trusted issuer signed with no audience at all, with the given roles. */
    public static String withoutAudience(String... roles) {
        return Jwt.issuer(ISSUER).subject("test-client").claim("realm_access", Map.of("roles", List.of(roles)))
                .expiresAt(Instant.now().plus(Duration.ofMinutes(5))).jws().sign(KEYS.getPrivate());
    }

    private static String token(Set<String> roles, Instant expiresAt, Map<String, ?> claims) {
        var builder = Jwt.issuer(ISSUER).audience(AUDIENCE).subject("test-client")
                .issuedAt(expiresAt.minus(Duration.ofMinutes(10))).expiresAt(expiresAt)
                .claim("realm_access", Map.of("roles", List.copyOf(roles)));
        claims.forEach(builder::claim);
        return builder.jws().sign(KEYS.getPrivate());
    }

    /** gRPC call credentials carrying the given bearer token. */
    public static CallCredentials bearer(String token) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, java.util.concurrent.Executor executor,
                    MetadataApplier applier) {
                Metadata headers = new Metadata();
                headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
                applier.apply(headers);
            }
        };
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
