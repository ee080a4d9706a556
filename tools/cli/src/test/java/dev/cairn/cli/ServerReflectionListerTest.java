package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Descriptors;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.testsupport.KeycloakServer;

/** ./cairn call list against a Quarkus gRPC server with reflection on, as every Cairn service runs it. */
@QuarkusTest
@QuarkusTestResource(KeycloakServer.class)
class ServerReflectionListerTest {

    @Test
    void lists_every_served_service_with_its_rpcs_as_the_server_describes_them() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        try (ServerReflectionLister lister = new ServerReflectionLister("127.0.0.1:" + port)) {
            Map<String, Descriptors.ServiceDescriptor> served = lister.services().stream()
                    .collect(Collectors.toMap(Descriptors.ServiceDescriptor::getFullName, s -> s));
            Descriptors.ServiceDescriptor identity = served.get("cairn.identity.v1.IdentityService");
            assertTrue(identity != null, "identity not listed: " + served.keySet());
            List<String> expected = IdentityServiceGrpc.getServiceDescriptor().getMethods().stream()
                    .map(m -> m.getBareMethodName()).sorted().toList();
            assertEquals(expected, identity.getMethods().stream().map(Descriptors.MethodDescriptor::getName)
                    .sorted().toList());
            // Rebuilt from the server's descriptors, types and all: what ./cairn call needs to print a request.
            assertEquals("cairn.events.v1.Identifier", identity.findMethodByName("Resolve").getInputType()
                    .findFieldByName("identifier").getMessageType().getFullName());
        }
    }
}
