package dev.cairn.consent.service;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.AbstractStub;
import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.runtime.TokensHelper;

import dev.cairn.consent.ConsentConfig;

/**
 * How consent authenticates to identity and segments (erasure and export): as its own OIDC client
 * ({@code cairn-consent}, client-credentials grant through quarkus-oidc-client). The token is fetched on first
 * use, cached and refreshed before it expires, so nobody has to hand consent a long-lived token.
 *
 * <p>
 * With the client off ({@code quarkus.oidc-client.client-enabled=false}, the default outside production), calls
 * go without a token and the other services refuse them: erasure steps then report FAILED with that reason.
 */
@ApplicationScoped
public class ServiceCredentials {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    @Inject
    ConsentConfig config;

    @Inject
    OidcClient client;

    @ConfigProperty(name = "quarkus.oidc-client.client-enabled", defaultValue = "true")
    boolean clientEnabled;

    private final TokensHelper tokens = new TokensHelper();

    /** The stub with consent's call deadline and, when the client is on, its bearer token. */
    public <S extends AbstractStub<S>> S attach(S stub) {
        S s = stub.withDeadlineAfter(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return clientEnabled ? s.withCallCredentials(new ClientCredentials()) : s;
    }

    private final class ClientCredentials extends CallCredentials {
        @Override
        public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
            // Non-blocking: the token comes from the cache, or from the issuer on a Vert.x client.
            tokens.getTokens(client).subscribe().with(t -> {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + t.getAccessToken());
                applier.apply(headers);
            }, failure -> applier.fail(Status.UNAUTHENTICATED
                    .withDescription("consent could not obtain its client-credentials token from the OIDC issuer: "
                            + failure.getMessage())
                    .withCause(failure)));
        }
    }
}
