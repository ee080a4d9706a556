package dev.cairn.testsupport;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a service's OIDC client (quarkus-oidc-client) at the real test Keycloak as {@code cairn-consent}, so
 * the service obtains its own client-credentials tokens. Inbound tokens are still checked with
 * {@link TestTokens}' local key: only the outbound side talks to Keycloak.
 */
public final class KeycloakClientCredentials implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        KeycloakServer keycloak = KeycloakServer.shared();
        return Map.of("quarkus.oidc-client.client-enabled", "true",
                "quarkus.oidc-client.auth-server-url", keycloak.issuer(),
                "quarkus.oidc-client.client-id", "cairn-consent",
                "quarkus.oidc-client.credentials.secret", keycloak.consentClientSecret());
    }

    @Override
    public void stop() {
        // Keycloak stops with the test JVM.
    }
}
