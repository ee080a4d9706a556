package dev.cairn.cli;

import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;

import dev.cairn.platform.grpc.GrpcErrors;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.identity.v1.ResolveResponse;

/**
 * A gRPC service for the CLI's own tests: identity's interface served by Quarkus, with the server reflection every
 * Cairn service runs. Resolve refuses every request as identity refuses a bad one (INVALID_ARGUMENT with field
 * violations, made by the services' own {@link GrpcErrors}), naming what it received, so that a test sees both what
 * the CLI sent and how it shows the refusal; every other RPC answers UNIMPLEMENTED.
 */
@GrpcService
public class ReflectedIdentityService extends IdentityServiceGrpc.IdentityServiceImplBase {

    @Override
    public void resolve(ResolveRequest request, StreamObserver<ResolveResponse> answer) {
        answer.onError(GrpcErrors.toStatusException(new InvalidRequestException("identifier.value",
                "received '" + request.getIdentifier().getValue() + "' in namespace '"
                        + request.getIdentifier().getNamespace() + "'")));
    }
}
