package dev.cairn.cli;

import java.util.concurrent.Executor;

import io.grpc.CallCredentials;
import io.grpc.Metadata;

import dev.cairn.client.OidcClientCredentials;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How a command reaches Cairn's APIs: each service's address and the token its calls carry. */
final class ApiAccess {

    @Option(names = "--client", paramLabel = "<client>", defaultValue = "${env:CAIRN_CLIENT:-cairn-admin}", completionCandidates = OidcClients.class, description = "OIDC client whose token the calls carry: cairn-admin (every role) or cairn-product (read "
            + "roles, no ingest source). Ignored when env CAIRN_TOKEN holds a token. Default: ${DEFAULT-VALUE}")
    String client;

    @Mixin
    IssuerOptions issuer;

    @Mixin
    Endpoints endpoints;

    /**
     * What every call carries: the token in env CAIRN_TOKEN if one is given, else the client's, fetched now so that
     * Keycloak's refusal is reported as such rather than as the first call's UNAUTHENTICATED.
     */
    CallCredentials credentials() {
        String given = System.getenv("CAIRN_TOKEN");
        if (given != null && !given.isBlank()) {
            return new Bearer(given.strip());
        }
        OidcClientCredentials credentials = issuer.credentials(client);
        issuer.accessToken(credentials, client);
        return credentials;
    }

    String address(String service) {
        return endpoints.address(service);
    }

    /** A token someone handed over: sent as it is, never refreshed. */
    private static final class Bearer extends CallCredentials {

        private final Metadata headers = new Metadata();

        Bearer(String token) {
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        }

        @Override
        public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
            applier.apply(headers);
        }
    }

    /** The realm's clients, for shell completion. */
    static final class OidcClients implements Iterable<String> {

        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("cairn-admin", "cairn-product").iterator();
        }
    }
}
