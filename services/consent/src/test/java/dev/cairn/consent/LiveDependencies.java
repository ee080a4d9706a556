package dev.cairn.consent;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTestProfile;

import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.identity.v1.EraseSubjectRequest;
import dev.cairn.proto.identity.v1.EraseSubjectResponse;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.identity.v1.ResolveResponse;
import dev.cairn.proto.segments.v1.EraseProfilesRequest;
import dev.cairn.proto.segments.v1.EraseProfilesResponse;
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.GetTraitsResponse;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.ListMembershipsResponse;
import dev.cairn.proto.segments.v1.Membership;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;
import dev.cairn.testsupport.KeycloakClientCredentials;

/**
 * A test profile in which identity and segments answer: a stand-in gRPC server (this module cannot start the
 * other services) implementing the few RPCs consent calls, as their protos specify, and recording the requests
 * and the bearer token it received. Kafka and PostgreSQL stay real.
 */
public class LiveDependencies implements QuarkusTestProfile {

    static final String PROFILE = "p-live";
    static final List<String> AUTHORIZATION = new CopyOnWriteArrayList<>();
    static final List<EraseSubjectRequest> ERASED_SUBJECTS = new CopyOnWriteArrayList<>();
    static final List<EraseProfilesRequest> ERASED_PROFILES = new CopyOnWriteArrayList<>();
    private static Server server;

    @Override
    public Map<String, String> getConfigOverrides() {
        int port = start();
        return Map.of("quarkus.grpc.clients.identity.test-port", Integer.toString(port),
                "quarkus.grpc.clients.segments.test-port", Integer.toString(port));
    }

    /** Consent fetches its own client-credentials token from a real Keycloak, as in production. */
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KeycloakClientCredentials.class));
    }

    static synchronized int start() {
        if (server == null) {
            ServerInterceptor recordAuth = new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                        ServerCallHandler<Q, R> next) {
                    String auth = headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
                    AUTHORIZATION.add(auth == null ? "" : auth);
                    return next.startCall(call, headers);
                }
            };
            try {
                server = ServerBuilder.forPort(0)
                        .addService(ServerInterceptors.intercept(new Identity(), recordAuth))
                        .addService(ServerInterceptors.intercept(new Segments(), recordAuth)).build().start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        }
        return server.getPort();
    }

    static final class Identity extends IdentityServiceGrpc.IdentityServiceImplBase {
        @Override
        public void eraseSubject(EraseSubjectRequest request, StreamObserver<EraseSubjectResponse> out) {
            ERASED_SUBJECTS.add(request);
            out.onNext(EraseSubjectResponse.newBuilder().addProfileIds(PROFILE)
                    .addAllIdentifiers(request.getIdentifiersList()).setKeysDestroyed(request.getIdentifiersCount())
                    .build());
            out.onCompleted();
        }

        @Override
        public void resolve(ResolveRequest request, StreamObserver<ResolveResponse> out) {
            out.onNext(ResolveResponse.newBuilder().setResolution(Resolution.newBuilder()
                    .setIdentifier(request.getIdentifier()).setFound(true).setProfileId(PROFILE)
                    .addIdentifiers(request.getIdentifier())).build());
            out.onCompleted();
        }
    }

    static final class Segments extends SegmentsServiceGrpc.SegmentsServiceImplBase {
        @Override
        public void eraseProfiles(EraseProfilesRequest request, StreamObserver<EraseProfilesResponse> out) {
            ERASED_PROFILES.add(request);
            out.onNext(EraseProfilesResponse.newBuilder().setProfilesErased(request.getProfileIdsCount())
                    .setMembershipsRemoved(2).build());
            out.onCompleted();
        }

        @Override
        public void listMemberships(ListMembershipsRequest request, StreamObserver<ListMembershipsResponse> out) {
            out.onNext(ListMembershipsResponse.newBuilder().setProfileId(request.getProfile().getProfileId())
                    .addMemberships(Membership.newBuilder().setSegmentId("vip")).build());
            out.onCompleted();
        }

        @Override
        public void getTraits(GetTraitsRequest request, StreamObserver<GetTraitsResponse> out) {
            out.onNext(GetTraitsResponse.newBuilder().setProfileId(request.getProfile().getProfileId())
                    .setTraits(
                            MapValue.newBuilder().putFields("plan", Value.newBuilder().setStringValue("pro").build()))
                    .build());
            out.onCompleted();
        }
    }
}
