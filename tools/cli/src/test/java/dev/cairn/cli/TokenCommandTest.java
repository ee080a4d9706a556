package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.cairn.testsupport.KeycloakServer;

/** ./cairn token against a real Keycloak with the cairn realm: the token it prints, and what it says when it gets none. */
class TokenCommandTest {

    private static KeycloakServer keycloak;
    private static Path secrets;

    @BeforeAll
    static void start() throws IOException {
        keycloak = KeycloakServer.shared();
        secrets = Files.createTempDirectory("cairn-cli-secrets-");
        Files.writeString(secrets.resolve("cairn-product.secret"), keycloak.clientSecret("cairn-product") + "\n");
        Files.writeString(secrets.resolve("cairn-admin.secret"), keycloak.clientSecret("cairn-admin"));
        Files.writeString(secrets.resolve("stale.secret"), "not-the-secret");
    }

    @Test
    void prints_the_token_keycloak_issued_to_the_client_named() {
        CommandRun run = CommandRun.of("token", "cairn-product", "--issuer", keycloak.issuer(), "--secrets",
                secrets.toString());
        assertEquals(0, run.status(), run.toString());
        String[] jwt = run.out().strip().split("\\.");
        assertEquals(3, jwt.length, "a JWT: " + run.out());
        JsonObject claims = JsonParser
                .parseString(new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals("cairn-product", claims.get("azp").getAsString());
        assertEquals(keycloak.issuer(), claims.get("iss").getAsString());
    }

    @Test
    void the_default_client_is_cairn_admin() {
        CommandRun run = CommandRun.of("token", "--issuer", keycloak.issuer(), "--secrets", secrets.toString());
        assertEquals(0, run.status(), run.toString());
        String payload = new String(Base64.getUrlDecoder().decode(run.out().strip().split("\\.")[1]),
                StandardCharsets.UTF_8);
        assertEquals("cairn-admin", JsonParser.parseString(payload).getAsJsonObject().get("azp").getAsString());
    }

    @Test
    void a_secret_keycloak_refuses_is_reported_with_keycloaks_answer() throws IOException {
        // A client the realm knows, with a secret it does not hold: what a secrets directory from another stack gives.
        Path other = Files.createTempDirectory("cairn-cli-secrets-");
        Files.writeString(other.resolve("cairn-product.secret"), "not-the-secret");
        CommandRun run = CommandRun.of("token", "cairn-product", "--issuer", keycloak.issuer(), "--secrets",
                other.toString());
        assertEquals(1, run.status(), run.toString());
        assertTrue(
                run.err().startsWith("error: Keycloak at " + keycloak.issuer() + " refused a token for cairn-product:"),
                run.toString());
        assertTrue(run.err().contains("HTTP 401") && run.err().contains("unauthorized_client"), run.toString());
        assertEquals("", run.out());
    }

    @Test
    void a_client_the_realm_does_not_know_is_refused() {
        CommandRun run = CommandRun.of("token", "stale", "--issuer", keycloak.issuer(), "--secrets",
                secrets.toString());
        assertEquals(1, run.status(), run.toString());
        assertTrue(run.err().contains("refused a token for stale"), run.toString());
    }

    @Test
    void an_issuer_that_does_not_answer_is_reported_as_such() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String nobody = "http://127.0.0.1:" + closed + "/realms/cairn";
        CommandRun run = CommandRun.of("token", "--issuer", nobody, "--secrets", secrets.toString());
        assertEquals(1, run.status(), run.toString());
        assertTrue(run.err().startsWith("error: Keycloak at " + nobody + " did not answer (ConnectException"),
                run.toString());
        assertTrue(run.err().contains("is ./cairn up running?"), run.toString());
    }

    @Test
    void a_client_without_a_secret_file_says_how_to_get_one() {
        CommandRun run = CommandRun.of("token", "cairn-consent", "--issuer", keycloak.issuer(), "--secrets",
                secrets.toString());
        assertEquals(1, run.status(), run.toString());
        assertEquals("error: no secret for cairn-consent (" + secrets.resolve("cairn-consent.secret")
                + "): run ./cairn up first, it writes them\n", run.err());
    }
}
