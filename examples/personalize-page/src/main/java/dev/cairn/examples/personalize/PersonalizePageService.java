package dev.cairn.examples.personalize;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executors;

import com.google.gson.Gson;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.grpc.StatusRuntimeException;

import dev.cairn.client.CairnClient;
import dev.cairn.client.OidcClientCredentials;

/**
 * {@code GET /personalize?anonymous_id=<cookie>} answers {@code {"profileId":…,"personalized":…,"segments":[…]}}.
 * Configuration from the environment, with the local stack's defaults: CAIRN_IDENTITY, CAIRN_CONSENT,
 * CAIRN_SEGMENTS (host:port), CAIRN_OIDC_ISSUER, CAIRN_CLIENT_ID (cairn-product), CAIRN_CLIENT_SECRET (locally
 * {@code .cairn/secrets/cairn-product.secret}), PORT (8090).
 */
public final class PersonalizePageService {

    private PersonalizePageService() {
    }

    public static void main(String[] args) throws IOException {
        String secret = System.getenv("CAIRN_CLIENT_SECRET");
        if (secret == null || secret.isBlank()) {
            System.err.println("set CAIRN_CLIENT_SECRET (locally: $(cat .cairn/secrets/cairn-product.secret))");
            System.exit(2);
        }
        OidcClientCredentials credentials = OidcClientCredentials.of(
                URI.create(env("CAIRN_OIDC_ISSUER", "http://127.0.0.1:8180/realms/cairn")),
                env("CAIRN_CLIENT_ID", "cairn-product"), secret);
        // The first token before the first page, so that no page waits for the issuer.
        credentials.prefetch().join();
        // One client for the whole service: its channels and its token are shared by every request.
        CairnClient cairn = CairnClient.builder().identity(env("CAIRN_IDENTITY", "127.0.0.1:8082"))
                .consent(env("CAIRN_CONSENT", "127.0.0.1:8083")).segments(env("CAIRN_SEGMENTS", "127.0.0.1:8084"))
                .plaintext().credentials(credentials).build();
        PagePersonalizer personalizer = new PagePersonalizer(cairn);
        Gson json = new Gson();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1",
                Integer.parseInt(env("PORT", "8090"))), 0);
        // The client's calls block: each request holds a worker until Cairn answers (2 s at most, the deadline).
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/personalize", exchange -> {
            Optional<String> visitor = query(exchange, "anonymous_id");
            if (visitor.isEmpty()) {
                respond(exchange, 400, "{\"error\":\"anonymous_id is required\"}");
                return;
            }
            try {
                respond(exchange, 200, json.toJson(personalizer.personalize(visitor.get())));
            } catch (StatusRuntimeException e) {
                // Cairn did not answer in time or at all: render the page unpersonalized rather than fail it.
                respond(exchange, 200, json.toJson(PagePersonalizer.Page.anonymous()));
                System.err.println("personalization skipped: " + e.getStatus());
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(1);
            cairn.close();
        }));
        server.start();
        System.out.println("personalize-page on http://" + server.getAddress().getHostString() + ":"
                + server.getAddress().getPort() + "/personalize?anonymous_id=...");
    }

    private static Optional<String> query(HttpExchange exchange, String name) {
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return Optional.empty();
        }
        return java.util.Arrays.stream(raw.split("&")).map(p -> p.split("=", 2))
                .filter(p -> p.length == 2 && p[0].equals(name))
                .map(p -> URLDecoder.decode(p[1], StandardCharsets.UTF_8)).filter(v -> !v.isBlank()).findFirst();
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
