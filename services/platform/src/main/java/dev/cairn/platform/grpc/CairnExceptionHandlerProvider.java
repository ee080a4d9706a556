package dev.cairn.platform.grpc;

import jakarta.enterprise.context.ApplicationScoped;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.StatusException;
import io.quarkus.grpc.ExceptionHandler;
import io.quarkus.grpc.ExceptionHandlerProvider;

/** Plugs {@link GrpcErrors} into Quarkus gRPC, for both Mutiny failures and exceptions thrown by handlers. */
@ApplicationScoped
public class CairnExceptionHandlerProvider implements ExceptionHandlerProvider {

    @Override
    public <ReqT, RespT> ExceptionHandler<ReqT, RespT> createHandler(ServerCall.Listener<ReqT> listener,
            ServerCall<ReqT, RespT> serverCall, Metadata metadata) {
        return new ExceptionHandler<>(listener, serverCall, metadata) {
            @Override
            protected void handleException(Throwable failure, ServerCall<ReqT, RespT> call, Metadata md) {
                StatusException status = GrpcErrors.toStatusException(failure);
                Metadata trailers = status.getTrailers() != null ? status.getTrailers() : new Metadata();
                call.close(status.getStatus(), trailers);
            }
        };
    }

    @Override
    public Throwable transform(Throwable failure) {
        return GrpcErrors.toStatusException(failure);
    }
}
