package dev.cairn.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real Keycloak (the distribution unpacked by infra/keycloak) with the cairn realm of
 * infra/keycloak/cairn-realm.json imported, so that one test can obtain a token the way a product service
 * does (client credentials) and call a protected RPC with it. Slow to start (about 30 s), so only the
 * test that needs it uses it.
 */
public final class KeycloakServer implements QuarkusTestResourceLifecycleManager {

    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    private static KeycloakServer running;

    private Process process;
    private int port;
    private final String adminSecret = UUID.randomUUID().toString();
    private final String productSecret = UUID.randomUUID().toString();
    private final String consentSecret = UUID.randomUUID().toString();
    private final String shortLivedSecret = UUID.randomUUID().toString();

    /** A client with cairn-product's roles whose tokens live {@link #SHORT_LIVED_TOKEN_LIFESPAN} (tests only). */
    public static final String SHORT_LIVED_CLIENT = "cairn-product-short-lived";
    public static final Duration SHORT_LIVED_TOKEN_LIFESPAN = Duration.ofSeconds(10);

    /** Starts Keycloak once per test JVM. */
    public static synchronized KeycloakServer shared() {
        if (running == null) {
            KeycloakServer server = new KeycloakServer();
            server.boot();
            Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "stop-keycloak"));
            running = server;
        }
        return running;
    }

    @Override
    public Map<String, String> start() {
        KeycloakServer server = shared();
        return Map.of("quarkus.oidc.auth-server-url", server.issuer());
    }

    @Override
    public void stop() {
        // Stopped with the test JVM.
    }

    private void boot() {
        Path root = Processes.repoRoot();
        Path dist;
        try (var dirs = Files.list(root.resolve("infra/keycloak/target"))) {
            dist = dirs.filter(d -> d.getFileName().toString().startsWith("keycloak-")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("build infra/keycloak first"));
        } catch (IOException e) {
            throw new UncheckedIOException("Keycloak distribution missing: build infra/keycloak first", e);
        }
        try {
            Path home = Files.createTempDirectory("cairn-test-keycloak-");
            Path copy = home.resolve("keycloak");
            Processes.run(List.of("cp", "-r", dist.toString(), copy.toString()), home, home.resolve("copy.log"));
            Path imports = Files.createDirectories(copy.resolve("data/import"));
            String realm = Files.readString(root.resolve("infra/keycloak/cairn-realm.json"))
                    .replace("@ADMIN_SECRET@", adminSecret).replace("@PRODUCT_SECRET@", productSecret)
                    .replace("@CONSENT_SECRET@", consentSecret);
            Files.writeString(imports.resolve("cairn-realm.json"), withShortLivedClient(realm));
            port = Processes.freePort();
            ProcessBuilder builder = new ProcessBuilder(copy.resolve("bin/kc.sh").toString(), "start-dev",
                    "--http-host=127.0.0.1", "--http-port=" + port, "--import-realm", "--http-management-port="
                            + Processes.freePort())
                    .directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(home.resolve("keycloak.log").toFile());
            builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
            builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", adminSecret);
            process = builder.start();
            // About 40 s on a quiet 2-core machine (it re-augments its copy first); three minutes and more when
            // other builds share the cores, so the bound is generous.
            Processes.awaitTrue("Keycloak on port " + port, Duration.ofSeconds(420), this::ready,
                    home.resolve("keycloak.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The realm plus {@link #SHORT_LIVED_CLIENT}, for tests only: cairn-product's roles and audience with tokens that
     * expire after {@link #SHORT_LIVED_TOKEN_LIFESPAN}, so that a client's token refresh is shown across a real expiry
     * in seconds rather than the realm's 15 minutes.
     */
    private String withShortLivedClient(String realm) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(realm);
        ObjectNode client = null;
        for (JsonNode c : root.withArray("clients")) {
            if ("cairn-product".equals(c.path("clientId").asText())) {
                client = ((ObjectNode) c).deepCopy();
            }
        }
        ObjectNode account = null;
        for (JsonNode u : root.withArray("users")) {
            if ("cairn-product".equals(u.path("serviceAccountClientId").asText())) {
                account = ((ObjectNode) u).deepCopy();
            }
        }
        if (client == null || account == null) {
            throw new IllegalStateException("the cairn realm has no cairn-product client to copy");
        }
        client.put("clientId", SHORT_LIVED_CLIENT).put("secret", shortLivedSecret).put("description",
                "tests only: cairn-product with short-lived tokens");
        client.putObject("attributes").put("access.token.lifespan",
                Long.toString(SHORT_LIVED_TOKEN_LIFESPAN.toSeconds()));
        account.put("username", "service-account-" + SHORT_LIVED_CLIENT).put("serviceAccountClientId",
                SHORT_LIVED_CLIENT);
        root.withArray("clients").add(client);
        root.withArray("users").add(account);
        return json.writeValueAsString(root);
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new IllegalStateException("Keycloak exited");
        }
        try {
            HttpResponse<Void> response = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create(issuer() + "/.well-known/openid-configuration"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String issuer() {
        return "http://127.0.0.1:" + port + "/realms/cairn";
    }

    /** The secret of the cairn-consent client, which consent authenticates to identity and segments with. */
    public String consentClientSecret() {
        return consentSecret;
    }

    /** The secret of cairn-admin, cairn-product, cairn-consent or {@link #SHORT_LIVED_CLIENT}. */
    public String clientSecret(String clientId) {
        return switch (clientId) {
            case "cairn-admin" -> adminSecret;
            case "cairn-product" -> productSecret;
            case "cairn-consent" -> consentSecret;
            case SHORT_LIVED_CLIENT -> shortLivedSecret;
            default -> throw new IllegalArgumentException("no client " + clientId + " in the test realm");
        };
    }

    /** A client-credentials access token for cairn-admin (every role) or cairn-product (read roles). */
    public String clientCredentialsToken(String clientId) {
        String secret = "cairn-admin".equals(clientId) ? adminSecret : productSecret;
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create(issuer() + "/protocol/openid-connect/token"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = ACCESS_TOKEN.matcher(response.body());
            if (response.statusCode() != 200 || !m.find()) {
                throw new IllegalStateException("Keycloak refused a token: " + response.statusCode() + " "
                        + response.body());
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void shutdown() {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
    }
}
