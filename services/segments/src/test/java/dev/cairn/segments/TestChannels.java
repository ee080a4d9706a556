package dev.cairn.segments;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
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
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port()).usePlaintext().build();
        awaitServingCopy(channel);
        return channel;
    }

    /**
     * Reads answer UNAVAILABLE until every Streams task has marked its part of Redis loaded (a few seconds after the
     * application starts, on the empty test Redis): tests start reading after that.
     */
    private static void awaitServingCopy(ManagedChannel channel) {
        IsMemberRequest probe = IsMemberRequest.newBuilder().addQueries(MembershipQuery.newBuilder()
                .setProfile(ProfileRef.newBuilder().setProfileId("serving-copy-probe")).setSegmentId("repeat_buyers"))
                .build();
        Awaitility.await("the serving copy in Redis is loaded").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).ignoreExceptionsMatching(e -> e instanceof StatusRuntimeException
                        && ((StatusRuntimeException) e).getStatus().getCode() == Status.Code.UNAVAILABLE)
                .until(() -> reader(channel).isMember(probe) != null);
    }

    static SegmentsServiceGrpc.SegmentsServiceBlockingStub reader(ManagedChannel channel) {
        return SegmentsServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(TestTokens.bearer(TestTokens.withRoles("segments.read")));
    }
}
