package dev.cairn.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.DynamicTest;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;

/**
 * What grpcurl, Postman and Evans do first, asked of a running service: list its services over gRPC server
 * reflection without a token, fetch each service's file descriptor, and call every RPC it describes, without a token,
 * through a dynamic stub built from that descriptor alone. Reflection must answer (it is open, like health), list
 * every service given here, describe exactly their RPCs, and every RPC must still be refused UNAUTHENTICATED: opening
 * reflection opens the schema, never an RPC. Uses grpc-java's generated reflection stubs ({@code io.grpc.reflection.v1},
 * {@code grpc.reflection.v1alpha}), which quarkus-grpc ships.
 */
public final class ServerReflectionCheck {

    private ServerReflectionCheck() {
    }

    /** The dynamic tests for a service on {@code port} (its HTTP port: gRPC shares it) serving {@code services}. */
    public static List<DynamicTest> tests(int port, ServiceDescriptor... services) {
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("server reflection lists every service to a caller without a token", () -> {
            Set<String> listed = listServices(port);
            for (ServiceDescriptor service : services) {
                assertTrue(listed.contains(service.getName()), service.getName() + " not listed in " + listed);
            }
        }));
        tests.add(DynamicTest.dynamicTest("server reflection v1alpha (older tools) lists the same services",
                () -> assertEquals(listServices(port), listServicesV1alpha(port))));
        for (ServiceDescriptor service : services) {
            tests.add(DynamicTest.dynamicTest(service.getName()
                    + " as reflection describes it has every RPC, and each is refused without a token", () -> {
                        Descriptors.ServiceDescriptor reflected = describe(port, service.getName());
                        Set<String> served = service.getMethods().stream().map(MethodDescriptor::getBareMethodName)
                                .collect(Collectors.toCollection(TreeSet::new));
                        Set<String> described = reflected.getMethods().stream()
                                .map(Descriptors.MethodDescriptor::getName)
                                .collect(Collectors.toCollection(TreeSet::new));
                        assertEquals(served, described, "RPCs of " + service.getName());
                        for (Descriptors.MethodDescriptor method : reflected.getMethods()) {
                            assertEquals(Status.Code.UNAUTHENTICATED,
                                    RpcAuthorizationCheck.call(port, reflected, dynamic(method), null),
                                    method.getFullName() + " without a token");
                        }
                    }));
        }
        return tests;
    }

    /** The services a reflection v1 client sees, as {@code grpcurl list} prints them. */
    public static Set<String> listServices(int port) {
        ServerReflectionResponse response = ask(port,
                ServerReflectionRequest.newBuilder().setListServices("*").build());
        return response.getListServicesResponse().getServiceList().stream().map(s -> s.getName())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<String> listServicesV1alpha(int port) {
        ManagedChannel channel = channel(port);
        try {
            CompletableFuture<grpc.reflection.v1alpha.Reflection.ServerReflectionResponse> answer = new CompletableFuture<>();
            var requests = grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).serverReflectionInfo(observer(answer));
            requests.onNext(grpc.reflection.v1alpha.Reflection.ServerReflectionRequest.newBuilder().setListServices("*")
                    .build());
            requests.onCompleted();
            return answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                    .map(s -> s.getName()).collect(Collectors.toCollection(TreeSet::new));
        } catch (Exception e) {
            throw new AssertionError("reflection v1alpha did not answer", e);
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * The service as a reflection client rebuilds it: the file that declares it and every file that file imports,
     * fetched by name as grpcurl does when a response lacks one.
     */
    public static Descriptors.ServiceDescriptor describe(int port, String serviceName) {
        Map<String, DescriptorProtos.FileDescriptorProto> files = new HashMap<>();
        String declaring = null;
        for (ByteString bytes : ask(port, ServerReflectionRequest.newBuilder().setFileContainingSymbol(serviceName)
                .build()).getFileDescriptorResponse().getFileDescriptorProtoList()) {
            DescriptorProtos.FileDescriptorProto file = parse(bytes);
            files.put(file.getName(), file);
            if (declaring == null) {
                declaring = file.getName();
            }
        }
        if (declaring == null) {
            throw new AssertionError("reflection returned no file for " + serviceName);
        }
        Descriptors.FileDescriptor file = build(port, declaring, files, new HashMap<>());
        return file.getServices().stream().filter(s -> s.getFullName().equals(serviceName)).findFirst()
                .orElseThrow(() -> new AssertionError(serviceName + " is not in the file reflection returned"));
    }

    private static Descriptors.FileDescriptor build(int port, String name,
            Map<String, DescriptorProtos.FileDescriptorProto> files, Map<String, Descriptors.FileDescriptor> built) {
        Descriptors.FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        DescriptorProtos.FileDescriptorProto proto = files.computeIfAbsent(name, missing -> parse(ask(port,
                ServerReflectionRequest.newBuilder().setFileByFilename(missing).build())
                .getFileDescriptorResponse().getFileDescriptorProto(0)));
        List<Descriptors.FileDescriptor> dependencies = new ArrayList<>();
        for (String dependency : proto.getDependencyList()) {
            dependencies.add(build(port, dependency, files, built));
        }
        try {
            Descriptors.FileDescriptor file = Descriptors.FileDescriptor.buildFrom(proto,
                    dependencies.toArray(Descriptors.FileDescriptor[]::new));
            built.put(name, file);
            return file;
        } catch (Descriptors.DescriptorValidationException e) {
            throw new AssertionError("reflection returned an invalid descriptor for " + name, e);
        }
    }

    private static MethodDescriptor<DynamicMessage, DynamicMessage> dynamic(Descriptors.MethodDescriptor method) {
        MethodDescriptor.MethodType type = method.isClientStreaming()
                ? (method.isServerStreaming()
                        ? MethodDescriptor.MethodType.BIDI_STREAMING
                        : MethodDescriptor.MethodType.CLIENT_STREAMING)
                : (method.isServerStreaming()
                        ? MethodDescriptor.MethodType.SERVER_STREAMING
                        : MethodDescriptor.MethodType.UNARY);
        Function<Descriptors.Descriptor, MethodDescriptor.Marshaller<DynamicMessage>> marshaller = d -> ProtoUtils
                .marshaller(DynamicMessage.getDefaultInstance(d));
        return MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(method.getService().getFullName(),
                        method.getName()))
                .setRequestMarshaller(marshaller.apply(method.getInputType()))
                .setResponseMarshaller(marshaller.apply(method.getOutputType())).build();
    }

    /** One request on the reflection stream, its answers; no credentials, as a tool's first call has none. */
    private static ServerReflectionResponse ask(int port, ServerReflectionRequest request) {
        ManagedChannel channel = channel(port);
        try {
            CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
            StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).serverReflectionInfo(observer(answer));
            requests.onNext(request);
            requests.onCompleted();
            ServerReflectionResponse response = answer.get(10, TimeUnit.SECONDS);
            if (response.hasErrorResponse()) {
                throw new AssertionError("reflection refused " + request + ": " + response.getErrorResponse());
            }
            return response;
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("reflection did not answer " + request, e);
        } finally {
            channel.shutdownNow();
        }
    }

    private static <T> StreamObserver<T> observer(CompletableFuture<T> answer) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                answer.completeExceptionally(new IllegalStateException("the stream ended without an answer"));
            }
        };
    }

    private static ManagedChannel channel(int port) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    private static DescriptorProtos.FileDescriptorProto parse(ByteString bytes) {
        try {
            return DescriptorProtos.FileDescriptorProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("reflection returned an unparseable file descriptor", e);
        }
    }
}
