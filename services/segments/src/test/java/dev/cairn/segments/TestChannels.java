package dev.cairn.segments;

import org.eclipse.microprofile.config.ConfigProvider;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
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

    static SegmentsServiceGrpc.SegmentsServiceBlockingStub reader(ManagedChannel channel) {
        return SegmentsServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(TestTokens.withRoles("segments.read")));
    }
}
