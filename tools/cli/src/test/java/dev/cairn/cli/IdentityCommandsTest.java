package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.testsupport.KeycloakServer;

/**
 * ./cairn identity and ./cairn call over gRPC, with a token the CLI fetched from a real Keycloak, against a Quarkus
 * server with identity's interface behind the platform's authentication and role checks (quarkus-oidc verifying the
 * token against that Keycloak, as every service does). Its Resolve refuses, naming what arrived
 * ({@link ReflectedIdentityService}): what the CLI sent, and how it shows a refusal with field violations.
 */
@QuarkusTest
@QuarkusTestResource(KeycloakServer.class)
class IdentityCommandsTest {

    private static Path secrets;

    @BeforeAll
    static void secrets() throws IOException {
        KeycloakServer keycloak = KeycloakServer.shared();
        secrets = Files.createTempDirectory("cairn-cli-secrets-");
        Files.writeString(secrets.resolve("cairn-admin.secret"), keycloak.clientSecret("cairn-admin"));
        Files.writeString(secrets.resolve("cairn-product.secret"), keycloak.clientSecret("cairn-product"));
    }

    private static CommandRun cairn(String... args) {
        String[] all = new String[args.length + 6];
        System.arraycopy(args, 0, all, 0, args.length);
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        all[args.length] = "--address";
        all[args.length + 1] = "identity=127.0.0.1:" + port;
        all[args.length + 2] = "--issuer";
        all[args.length + 3] = KeycloakServer.shared().issuer();
        all[args.length + 4] = "--secrets";
        all[args.length + 5] = secrets.toString();
        return CommandRun.of(all);
    }

    @Test
    void resolve_sends_the_arguments_exactly_and_shows_the_refusal_with_its_field_violations() {
        CommandRun run = cairn("identity", "resolve", "e\"mail", CairnCommandTest.AWKWARD);
        assertEquals(1, run.status(), run.toString());
        String violation = "identifier.value: received '" + CairnCommandTest.AWKWARD + "' in namespace 'e\"mail'";
        assertEquals("INVALID_ARGUMENT: invalid request; " + violation + "\n  " + violation + "\n", run.err());
        assertEquals("", run.out());
    }

    @Test
    void call_sends_the_json_request_as_the_rpcs_message() {
        CommandRun run = cairn("call", "identity", "Resolve",
                "{\"identifier\":{\"namespace\":\"user_id\",\"value\":\"u-\\\"1\\\\\"}}");
        assertEquals(1, run.status(), run.toString());
        assertTrue(run.err().contains("\n  identifier.value: received 'u-\"1\\' in namespace 'user_id'\n"),
                run.toString());
    }

    @Test
    void a_token_without_the_operator_role_is_refused_and_said_so() {
        CommandRun run = cairn("identity", "merge", "p-1", "p-2", "same person", "--client", "cairn-product");
        assertEquals(1, run.status(), run.toString());
        assertTrue(run.err().startsWith("PERMISSION_DENIED: the token lacks the role this RPC requires"),
                run.toString());
    }

    @Test
    void an_rpc_the_server_does_not_implement_is_a_failure_with_its_status() {
        CommandRun run = cairn("identity", "holds");
        assertEquals(1, run.status(), run.toString());
        assertTrue(run.err().startsWith("UNIMPLEMENTED: ") && run.err().contains("ListHeldMerges"), run.toString());
    }

    @Test
    void call_list_shows_what_the_server_serves_over_reflection() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        CommandRun run = CommandRun.of("call", "list", "identity", "--address", "identity=127.0.0.1:" + port);
        assertEquals(0, run.status(), run.toString());
        // Health too, as every service serves it: the listing is the server's, not this CLI's catalogue.
        assertTrue(run.out().contains("identity (127.0.0.1:" + port + "): grpc.health.v1.Health\n"), run.toString());
        assertTrue(run.out().contains("identity (127.0.0.1:" + port + "): cairn.identity.v1.IdentityService\n"),
                run.toString());
        assertTrue(run.out().contains("  Resolve                  ResolveRequest -> ResolveResponse\n"),
                run.toString());
    }
}
