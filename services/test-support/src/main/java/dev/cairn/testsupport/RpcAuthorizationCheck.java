package dev.cairn.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.DynamicTest;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.stub.ClientCalls;

/**
 * The table-driven authorization test every service runs over every RPC it serves: the table is read from
 * the service descriptors (so a new RPC is covered without editing a test) and each row calls the RPC for
 * real, with no token, an expired token, a forged token, a token the trusted issuer signed for another audience
 * (or for none) and a token lacking the RPC's role. {@link HostileRpcCheck} asks the same of raw HTTP/2 requests.
 */
public final class RpcAuthorizationCheck {

    private RpcAuthorizationCheck() {
    }

    public record Row(String method, String role, Supplier<String> token, Status.Code expected, String why) {
    }

    /** One dynamic test per (RPC, credential) pair; {@code port} is the service's HTTP port (gRPC shares it). */
    public static List<DynamicTest> tests(int port, ServiceDescriptor... services) {
        return tests(port, TestTokens::withRoles, services);
    }

    /**
     * As {@link #tests(int, ServiceDescriptor...)}, for a service that asks more of a caller than the role (ingest: the
     * sources its token grants): {@code authorized} mints a token with a given role and everything else the service
     * asks for. It must pass authorization with the RPC's role, and is refused with another role: what else a token
     * carries never stands in for the role.
     */
    public static List<DynamicTest> tests(int port, java.util.function.Function<String, String> authorized,
            ServiceDescriptor... services) {
        List<DynamicTest> tests = new ArrayList<>();
        for (ServiceDescriptor service : services) {
            Descriptors.ServiceDescriptor proto = ((ProtoServiceDescriptorSupplier) service.getSchemaDescriptor())
                    .getServiceDescriptor();
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                Descriptors.MethodDescriptor protoMethod = ((ProtoMethodDescriptorSupplier) method
                        .getSchemaDescriptor()).getMethodDescriptor();
                String role = requiredRole(protoMethod);
                String name = method.getFullMethodName();
                tests.add(DynamicTest.dynamicTest(name + " declares a required role",
                        () -> assertFalse(role.isEmpty(), name + " has no (cairn.options.v1.required_role)")));
                for (Row row : List.of(
                        new Row(name, role, () -> null, Status.Code.UNAUTHENTICATED, "without a token"),
                        new Row(name, role, () -> TestTokens.expired(role), Status.Code.UNAUTHENTICATED,
                                "with an expired token"),
                        new Row(name, role, () -> TestTokens.forged(role), Status.Code.UNAUTHENTICATED,
                                "with a token signed by an untrusted key"),
                        new Row(name, role, () -> TestTokens.forAudience("some-other-api", role),
                                Status.Code.UNAUTHENTICATED, "with a token for another audience"),
                        new Row(name, role, () -> TestTokens.withoutAudience(role), Status.Code.UNAUTHENTICATED,
                                "with a token without an audience"),
                        new Row(name, role, () -> authorized.apply("some.other.role"),
                                Status.Code.PERMISSION_DENIED, "without the role " + role))) {
                    tests.add(DynamicTest.dynamicTest(name + " is refused " + row.why(),
                            () -> assertEquals(row.expected(), call(port, proto, method, row.token().get()),
                                    name + " " + row.why())));
                }
                tests.add(DynamicTest.dynamicTest(name + " passes authorization with the role " + role, () -> {
                    Status.Code code = call(port, proto, method, authorized.apply(role));
                    assertTrue(code != Status.Code.UNAUTHENTICATED && code != Status.Code.PERMISSION_DENIED,
                            name + " with role " + role + " got " + code);
                }));
            }
        }
        return tests;
    }

    static String requiredRole(Descriptors.MethodDescriptor method) {
        for (var option : method.getOptions().getAllFields().entrySet()) {
            if (option.getKey().getFullName().equals("cairn.options.v1.required_role")) {
                return option.getValue().toString();
            }
        }
        var raw = method.getOptions().getUnknownFields().getField(50001);
        return raw == null || raw.getLengthDelimitedList().isEmpty()
                ? ""
                : raw.getLengthDelimitedList().get(0).toStringUtf8();
    }

    /** Calls the method with an empty request message and returns the status code it ended with. */
    static Status.Code call(int port, Descriptors.ServiceDescriptor service, MethodDescriptor<?, ?> method,
            String token) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            Descriptors.MethodDescriptor pm = service.findMethodByName(method.getBareMethodName());
            MethodDescriptor<DynamicMessage, DynamicMessage> dynamic = MethodDescriptor
                    .<DynamicMessage, DynamicMessage>newBuilder()
                    .setType(method.getType()).setFullMethodName(method.getFullMethodName())
                    .setRequestMarshaller(io.grpc.protobuf.ProtoUtils
                            .marshaller(DynamicMessage.getDefaultInstance(pm.getInputType())))
                    .setResponseMarshaller(io.grpc.protobuf.ProtoUtils
                            .marshaller(DynamicMessage.getDefaultInstance(pm.getOutputType())))
                    .build();
            CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
            if (token != null) {
                options = options.withCallCredentials(TestTokens.bearer(token));
            }
            Channel ch = channel;
            ClientCall<DynamicMessage, DynamicMessage> call = ch.newCall(dynamic, options);
            DynamicMessage request = DynamicMessage.getDefaultInstance(pm.getInputType());
            try {
                switch (method.getType()) {
                    case UNARY -> ClientCalls.blockingUnaryCall(call, request);
                    case SERVER_STREAMING -> ClientCalls.blockingServerStreamingCall(call, request).hasNext();
                    default -> {
                        var observer = new io.grpc.stub.StreamObserver<DynamicMessage>() {
                            final java.util.concurrent.CompletableFuture<Status> done = new java.util.concurrent.CompletableFuture<>();

                            public void onNext(DynamicMessage value) {
                            }

                            public void onError(Throwable t) {
                                done.complete(Status.fromThrowable(t));
                            }

                            public void onCompleted() {
                                done.complete(Status.OK);
                            }
                        };
                        var requests = method.getType() == MethodDescriptor.MethodType.CLIENT_STREAMING
                                ? ClientCalls.asyncClientStreamingCall(call, observer)
                                : ClientCalls.asyncBidiStreamingCall(call, observer);
                        requests.onNext(request);
                        requests.onCompleted();
                        return observer.done.get(10, TimeUnit.SECONDS).getCode();
                    }
                }
                return Status.Code.OK;
            } catch (RuntimeException e) {
                return Status.fromThrowable(e).getCode();
            }
        } catch (Exception e) {
            return Status.fromThrowable(e).getCode();
        } finally {
            channel.shutdownNow();
        }
    }

}
