package dev.cairn.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;

/**
 * What {@code grpcurl -plaintext host:port list} and {@code describe} do, for ./cairn call list: asks a running
 * service over gRPC server reflection (open, no token) which services it serves and rebuilds each from the file
 * descriptors it returns, so the listing is what the server serves, not what this CLI was built with.
 */
final class ServerReflectionLister implements AutoCloseable {

    private final ManagedChannel channel;

    ServerReflectionLister(String address) {
        this.channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
    }

    /** Every service the server lists, described; health and the like too. */
    List<Descriptors.ServiceDescriptor> services() throws Exception {
        List<Descriptors.ServiceDescriptor> described = new ArrayList<>();
        Map<String, DescriptorProtos.FileDescriptorProto> files = new HashMap<>();
        Map<String, Descriptors.FileDescriptor> built = new HashMap<>();
        for (var service : ask(ServerReflectionRequest.newBuilder().setListServices("*").build())
                .getListServicesResponse().getServiceList()) {
            String declaring = null;
            for (ByteString bytes : ask(ServerReflectionRequest.newBuilder().setFileContainingSymbol(service.getName())
                    .build()).getFileDescriptorResponse().getFileDescriptorProtoList()) {
                DescriptorProtos.FileDescriptorProto file = DescriptorProtos.FileDescriptorProto.parseFrom(bytes);
                files.putIfAbsent(file.getName(), file);
                declaring = declaring == null ? file.getName() : declaring;
            }
            if (declaring != null) {
                Descriptors.ServiceDescriptor found = build(declaring, files, built)
                        .findServiceByName(service.getName().substring(service.getName().lastIndexOf('.') + 1));
                if (found != null) {
                    described.add(found);
                }
            }
        }
        return described;
    }

    private Descriptors.FileDescriptor build(String name, Map<String, DescriptorProtos.FileDescriptorProto> files,
            Map<String, Descriptors.FileDescriptor> built) throws Exception {
        Descriptors.FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        DescriptorProtos.FileDescriptorProto proto = files.get(name);
        if (proto == null) {
            proto = DescriptorProtos.FileDescriptorProto.parseFrom(ask(ServerReflectionRequest.newBuilder()
                    .setFileByFilename(name).build()).getFileDescriptorResponse().getFileDescriptorProto(0));
            files.put(name, proto);
        }
        List<Descriptors.FileDescriptor> dependencies = new ArrayList<>();
        for (String dependency : proto.getDependencyList()) {
            dependencies.add(build(dependency, files, built));
        }
        Descriptors.FileDescriptor file = Descriptors.FileDescriptor.buildFrom(proto,
                dependencies.toArray(Descriptors.FileDescriptor[]::new));
        built.put(name, file);
        return file;
    }

    private ServerReflectionResponse ask(ServerReflectionRequest request) throws Exception {
        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS).serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        answer.completeExceptionally(new IllegalStateException("reflection ended without an answer"));
                    }
                });
        requests.onNext(request);
        requests.onCompleted();
        ServerReflectionResponse response = answer.get(10, TimeUnit.SECONDS);
        if (response.hasErrorResponse()) {
            throw new IllegalStateException("reflection refused: " + response.getErrorResponse().getErrorMessage());
        }
        return response;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
