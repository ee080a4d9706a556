package dev.cairn.client;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * OAuth 2.0 client credentials from an OIDC issuer (Keycloak's realm {@code cairn} locally), as gRPC call credentials:
 * every call carries {@code authorization: Bearer <access token>}. The token is fetched on the first call and kept;
 * once it is within {@code refreshAhead} of its expiry the next call still uses it and a new one is fetched in the
 * background, so that calls neither wait for the issuer nor carry an expired token. Only when no valid token is held
 * (the first call, unless {@link #prefetch()} ran, or the issuer was unreachable for the whole refresh window) does a
 * call wait for the fetch, within its deadline, and it fails UNAUTHENTICATED if the issuer refuses. One fetch at a
 * time, however many calls ask.
 * <p>
 * The token endpoint is read from the issuer's discovery document ({@code /.well-known/openid-configuration}).
 */
public final class OidcClientCredentials extends CallCredentials {

    private static final Logger LOG = Logger.getLogger(OidcClientCredentials.class.getName());
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    /** Refresh this long before expiry, or at half the token's lifetime if that is shorter. */
    public static final Duration DEFAULT_REFRESH_AHEAD = Duration.ofSeconds(30);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration EXP_ROUNDING = Duration.ofSeconds(1);

    /** An access token; {@code askedAt} is when it was requested, which its lifetime is counted from. */
    record Token(String value, Instant askedAt, Instant refreshAt, Instant expiresAt) {
    }

    private final URI issuer;
    private final String clientId;
    private final String clientSecret;
    private final Duration refreshAhead;
    private final HttpClient http;
    private final Clock clock;
    private final AtomicReference<Token> current = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<Token>> inFlight = new AtomicReference<>();
    private volatile URI tokenEndpoint;

    OidcClientCredentials(URI issuer, String clientId, String clientSecret, Duration refreshAhead, Clock clock) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
        this.refreshAhead = refreshAhead;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
    }

    /**
     * Client credentials of {@code clientId} at {@code issuer} (e.g. {@code http://127.0.0.1:8180/realms/cairn}).
     */
    public static OidcClientCredentials of(URI issuer, String clientId, String clientSecret) {
        return new OidcClientCredentials(issuer, clientId, clientSecret, DEFAULT_REFRESH_AHEAD, Clock.systemUTC());
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Token token = current.get();
        Instant now = clock.instant();
        if (token != null && now.isBefore(token.expiresAt())) {
            applier.apply(bearer(token));
            if (!now.isBefore(token.refreshAt())) {
                refresh();
            }
            return;
        }
        refresh().whenComplete((fresh, failure) -> {
            if (failure != null) {
                applier.fail(Status.UNAUTHENTICATED
                        .withDescription("no access token for " + clientId + " from " + issuer)
                        .withCause(failure));
            } else {
                applier.apply(bearer(fresh));
            }
        });
    }

    /**
     * Fetches a token now, so that the first calls need not wait for the issuer within their deadlines: call it at
     * start-up (and wait for it, or not) in a service whose first requests should be as fast as the rest.
     */
    public CompletableFuture<Void> prefetch() {
        return refresh().thenApply(token -> null);
    }

    /**
     * The access token calls carry: the one held while it is valid, else a fresh one from the issuer. For a tool that
     * hands the token on ({@code ./cairn token}) or wants the issuer's refusal before its first call; calls get the
     * token through these credentials. Fails with the issuer's answer (an {@link IllegalStateException}) when it
     * refuses, or with an {@link java.io.IOException} when it does not answer.
     */
    public CompletableFuture<String> accessToken() {
        Token token = current.get();
        if (token != null && clock.instant().isBefore(token.expiresAt())) {
            return CompletableFuture.completedFuture(token.value());
        }
        return refresh().thenApply(Token::value);
    }

    /** The token held now, if any (for tests and diagnostics). */
    Token current() {
        return current.get();
    }

    /** Starts a fetch unless one is running; either way, the fetch that will set the next token. */
    private CompletableFuture<Token> refresh() {
        CompletableFuture<Token> mine = new CompletableFuture<>();
        CompletableFuture<Token> running = inFlight.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        CompletableFuture<Token> fetched;
        try {
            fetched = fetch();
        } catch (RuntimeException e) {
            // A fetch that cannot even start must still end this one, or every later call would wait on it.
            fetched = CompletableFuture.failedFuture(e);
        }
        fetched.whenComplete((token, failure) -> {
            if (failure != null) {
                // The held token, if still valid, keeps serving; the next call past refreshAt tries again.
                LOG.log(Level.WARNING, "cannot refresh the access token of " + clientId + " from " + issuer, failure);
                inFlight.set(null);
                mine.completeExceptionally(failure);
            } else {
                // Held before the fetch is released, so that no call in between sees the old token and fetches again.
                current.set(token);
                inFlight.set(null);
                mine.complete(token);
            }
        });
        return mine;
    }

    private CompletableFuture<Token> fetch() {
        Instant asked = clock.instant();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("client_id", clientId);
        form.put("client_secret", clientSecret);
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return endpoint().thenCompose(endpoint -> http.sendAsync(HttpRequest.newBuilder(endpoint)
                .timeout(HTTP_TIMEOUT).header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()))
                .thenApply(response -> {
                    JsonObject json = json(response);
                    if (!json.has("access_token") || !json.has("expires_in")) {
                        throw new IllegalStateException("the token response has no access_token or expires_in");
                    }
                    // Counted from when the request left: the issuer cannot have issued the token earlier.
                    Duration lifetime = Duration.ofSeconds(json.get("expires_in").getAsLong());
                    Duration ahead = refreshAhead.compareTo(lifetime.dividedBy(2)) < 0
                            ? refreshAhead
                            : lifetime.dividedBy(2);
                    // A JWT's exp is in whole seconds from an iat the issuer may have rounded down: up to a second
                    // before asked + expires_in.
                    Instant expiresAt = asked.plus(lifetime).minus(EXP_ROUNDING);
                    return new Token(json.get("access_token").getAsString(), asked, expiresAt.minus(ahead),
                            expiresAt);
                });
    }

    private CompletableFuture<URI> endpoint() {
        URI known = tokenEndpoint;
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        URI discovery = URI.create(issuer.toString().replaceAll("/+$", "") + "/.well-known/openid-configuration");
        return http.sendAsync(HttpRequest.newBuilder(discovery).timeout(HTTP_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
                    URI endpoint = URI.create(json(response).get("token_endpoint").getAsString());
                    tokenEndpoint = endpoint;
                    return endpoint;
                });
    }

    private static JsonObject json(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    response.uri() + " answered HTTP " + response.statusCode() + ": " + response.body());
        }
        try {
            return JsonParser.parseString(response.body()).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalStateException(response.uri() + " answered something other than a JSON object", e);
        }
    }

    private static Metadata bearer(Token token) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token.value());
        return headers;
    }

}
