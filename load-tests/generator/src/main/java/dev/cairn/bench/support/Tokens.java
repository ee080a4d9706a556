package dev.cairn.bench.support;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Bearer tokens from the local Keycloak by client credentials, with the secrets ./cairn up generated. A token
 * is refreshed a minute before it expires, so a long run never sends an expired one (which would be an
 * UNAUTHENTICATED error, not a performance figure).
 */
public final class Tokens implements Supplier<String> {

    private final String issuer;
    private final String client;
    private final String secret;
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile String token;
    private volatile long refreshAt;

    public Tokens(String issuer, Path secrets, String client) throws IOException {
        this.issuer = issuer;
        this.client = client;
        this.secret = Files.readString(secrets.resolve(client + ".secret")).trim();
    }

    @Override
    public String get() {
        if (token == null || System.currentTimeMillis() >= refreshAt) {
            synchronized (this) {
                if (token == null || System.currentTimeMillis() >= refreshAt) {
                    fetch();
                }
            }
        }
        return token;
    }

    private void fetch() {
        String form = "grant_type=client_credentials&client_id=" + enc(client) + "&client_secret=" + enc(secret);
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(issuer
                    + "/protocol/openid-connect/token"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("Keycloak refused a token for " + client + ": " + r.body());
            }
            JsonNode json = new ObjectMapper().readTree(r.body());
            token = json.get("access_token").asText();
            refreshAt = System.currentTimeMillis() + Math.max(30, json.path("expires_in").asLong(300) - 60) * 1000;
        } catch (IOException e) {
            throw new IllegalStateException("Keycloak at " + issuer + " did not answer: is ./cairn up running?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
