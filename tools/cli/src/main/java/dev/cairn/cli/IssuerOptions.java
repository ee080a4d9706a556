package dev.cairn.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.cairn.client.OidcClientCredentials;

import picocli.CommandLine.Option;

/**
 * Where a client-credentials token comes from: the OIDC issuer (Keycloak's realm cairn) and the directory of client
 * secrets ./cairn up writes. The token is fetched by the client library's {@link OidcClientCredentials}, as every Java
 * caller of Cairn fetches it.
 */
final class IssuerOptions {

    /** How long Keycloak may take to give a token: slow just after its start, but a stuck one is not waited for. */
    static final long TOKEN_TIMEOUT_SECONDS = 60;

    @Option(names = "--issuer", paramLabel = "<url>", defaultValue = "${env:CAIRN_ISSUER:-http://127.0.0.1:8180/realms/cairn}", description = "OIDC issuer of the tokens (env CAIRN_ISSUER; ./cairn sets it). Default: ${DEFAULT-VALUE}")
    URI issuer;

    @Option(names = "--secrets", paramLabel = "<dir>", defaultValue = "${env:CAIRN_SECRETS:-.cairn/secrets}", description = "directory with one <client>.secret per OIDC client, as ./cairn up writes them (env CAIRN_SECRETS). "
            + "Default: ${DEFAULT-VALUE}")
    Path secrets;

    /** Client credentials of {@code client}, from its secret file; no request made yet. */
    OidcClientCredentials credentials(String client) {
        Path file = secrets.resolve(client + ".secret");
        try {
            return OidcClientCredentials.of(issuer, client, Files.readString(file).strip());
        } catch (NoSuchFileException e) {
            throw new CommandFailure(
                    "no secret for " + client + " (" + file + "): run ./cairn up first, it writes them");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The access token of {@code credentials}, or why Keycloak gave none, in words. A token request that times out is
     * asked again until {@link #TOKEN_TIMEOUT_SECONDS}: Keycloak's first token after its start took 19 s on this
     * machine under load, longer than the client library waits for one answer.
     */
    String accessToken(OidcClientCredentials credentials, String client) {
        Instant deadline = Instant.now().plusSeconds(TOKEN_TIMEOUT_SECONDS);
        while (true) {
            Duration left = Duration.between(Instant.now(), deadline);
            try {
                return credentials.accessToken().get(Math.max(left.toMillis(), 1), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw slow();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandFailure("interrupted while waiting for Keycloak at " + issuer);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null
                        ? c.getCause()
                        : e.getCause();
                if (cause instanceof HttpTimeoutException && Instant.now().isBefore(deadline)) {
                    continue;
                }
                if (cause instanceof HttpTimeoutException) {
                    throw slow();
                }
                if (cause instanceof IOException) {
                    // The JDK's connect failures often carry no message: the exception's name says what happened.
                    throw new CommandFailure("Keycloak at " + issuer + " did not answer ("
                            + cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
                            + "): is ./cairn up running?", cause);
                }
                throw new CommandFailure("Keycloak at " + issuer + " refused a token for " + client + ": "
                        + cause.getMessage(), cause);
            }
        }
    }

    private CommandFailure slow() {
        return new CommandFailure("Keycloak at " + issuer + " did not answer within " + TOKEN_TIMEOUT_SECONDS
                + " s: is ./cairn up running?");
    }
}
