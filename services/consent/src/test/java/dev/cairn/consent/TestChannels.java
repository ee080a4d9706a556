package dev.cairn.consent;

import org.eclipse.microprofile.config.ConfigProvider;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.testsupport.TestTokens;

/** A plaintext channel to the service under test; gRPC and HTTP share its port. */
final class TestChannels {

    private TestChannels() {
    }

    static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
    }

    static ManagedChannel open() {
        return ManagedChannelBuilder.forAddress("127.0.0.1", port()).usePlaintext().build();
    }

    static ConsentServiceGrpc.ConsentServiceBlockingStub stub(ManagedChannel channel, String... roles) {
        return ConsentServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(TestTokens.withRoles(roles)));
    }
}
