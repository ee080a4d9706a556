package dev.cairn.ingest.grpc;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;

import com.google.protobuf.Message;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusException;

import dev.cairn.platform.grpc.GrpcErrors;
import dev.cairn.platform.grpc.InvalidRequestException;

/**
 * Answers a request message that does not parse (malformed protobuf, a string that is not UTF-8, messages
 * nested past protobuf's 100 levels) with INVALID_ARGUMENT and a field violation.
 * <p>
 * Without it the Vert.x gRPC bridge that serves the shared HTTP port drops such a message where it fails to
 * parse: a unary call then ends "INTERNAL: Half-closed without a request", and a client stream silently loses the
 * message's events while the others are answered. Here the parse failure becomes a marker the call's listener
 * recognises, so the call is refused as a whole, in the one error mapping ({@link GrpcErrors}).
 */
final class UnparseableRequests {

    static final String FIELD = "request";
    static final String DESCRIPTION = "not a parseable request message: malformed protobuf, a string that is not"
            + " UTF-8, or messages nested deeper than protobuf's 100 levels (event JSON: at most 32)";

    private UnparseableRequests() {
    }

    /** The service with every method's request parsing guarded. */
    static ServerServiceDefinition guard(ServerServiceDefinition service) {
        List<ServerMethodDefinition<?, ?>> methods = service.getMethods().stream()
                .<ServerMethodDefinition<?, ?>>map(UnparseableRequests::guard).toList();
        // The schema descriptor stays, so that reflection (./cairn call list) still describes the service.
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getServiceDescriptor().getName())
                .setSchemaDescriptor(service.getServiceDescriptor().getSchemaDescriptor());
        methods.forEach(m -> descriptor.addMethod(m.getMethodDescriptor()));
        ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(guarded::addMethod);
        return guarded.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> guard(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
        MethodDescriptor.Marshaller<Q> parser = descriptor.getRequestMarshaller();
        Q marker = marker(parser);
        MethodDescriptor.Marshaller<Q> tolerant = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(Q value) {
                return parser.stream(value);
            }

            @Override
            public Q parse(InputStream stream) {
                try {
                    return parser.parse(stream);
                } catch (RuntimeException unparseable) {
                    return marker;
                }
            }
        };
        ServerCallHandler<Q, R> handler = method.getServerCallHandler();
        ServerCallHandler<Q, R> refusing = (call, headers) -> new Refusing<>(handler.startCall(call, headers), call,
                marker);
        return ServerMethodDefinition.create(descriptor.toBuilder(tolerant, descriptor.getResponseMarshaller()).build(),
                refusing);
    }

    /** A request instance of its own, told apart by identity from every message a client really sent. */
    @SuppressWarnings("unchecked")
    private static <Q> Q marker(MethodDescriptor.Marshaller<Q> parser) {
        Q parsed = parser.parse(new ByteArrayInputStream(new byte[0]));
        return parsed instanceof Message message ? (Q) message.newBuilderForType().buildPartial() : parsed;
    }

    /** Forwards everything until the marker arrives, then closes the call and forwards nothing more. */
    private static final class Refusing<Q, R>
            extends
                ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {

        private final ServerCall<Q, R> call;
        private final Q marker;
        private boolean refused;

        Refusing(ServerCall.Listener<Q> delegate, ServerCall<Q, R> call, Q marker) {
            super(delegate);
            this.call = call;
            this.marker = marker;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            if (message == marker) {
                refused = true;
                StatusException status = GrpcErrors.toStatusException(new InvalidRequestException(List.of(
                        new dev.cairn.platform.grpc.FieldViolation(FIELD, DESCRIPTION))));
                call.close(status.getStatus(), status.getTrailers() != null ? status.getTrailers() : new Metadata());
                return;
            }
            super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                super.onHalfClose();
            }
        }
    }
}
