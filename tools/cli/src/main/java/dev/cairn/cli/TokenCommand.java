package dev.cairn.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ./cairn token [client]}: a bearer token for curl, grpcurl or CAIRN_TOKEN. */
@Command(name = "token", mixinStandardHelpOptions = true, description = {
        "Print a bearer token of an OIDC client (client credentials from Keycloak).",
        "cairn-admin has every role and ingest source; cairn-product has the read roles and no ingest source."})
class TokenCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "<client>", defaultValue = "cairn-admin", completionCandidates = ApiAccess.OidcClients.class, description = "Default: ${DEFAULT-VALUE}")
    String client;

    @Mixin
    IssuerOptions issuer;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(issuer.accessToken(issuer.credentials(client), client));
        return 0;
    }
}
