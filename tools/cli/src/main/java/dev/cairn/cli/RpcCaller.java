package dev.cairn.cli;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/** Calls one RPC with JSON in and JSON out, the way grpcurl would, through the generated descriptors. */
final class RpcCaller implements AutoCloseable {

    private final ManagedChannel channel;
    private final String token;
    private final RpcCatalog catalog;

    RpcCaller(String address, String token, RpcCatalog catalog) {
        this.channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
        this.token = token;
        this.catalog = catalog;
    }

    /**
     * @param json one request object; for a client-streaming RPC, a JSON array of request objects
     * @param maxResponses for server streaming: stop after this many responses (0 = until the stream ends)
     */
    List<String> call(Descriptors.MethodDescriptor method, String json, int maxResponses, long timeoutSeconds)
            throws InvalidProtocolBufferException {
        MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod = MethodDescriptor
                .<DynamicMessage, DynamicMessage>newBuilder()
                .setType(type(method))
                .setFullMethodName(MethodDescriptor.generateFullMethodName(method.getService().getFullName(),
                        method.getName()))
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
                .build();
        Metadata headers = new Metadata();
        if (token != null && !token.isBlank()) {
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        }
        var intercepted = io.grpc.ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(headers));
        ClientCall<DynamicMessage, DynamicMessage> call = intercepted.newCall(grpcMethod,
                CallOptions.DEFAULT.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS));
        JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(catalog.types());
        List<String> out = new ArrayList<>();
        switch (grpcMethod.getType()) {
            case UNARY -> out.add(printer.print(ClientCalls.blockingUnaryCall(call, parse(method, json))));
            case SERVER_STREAMING -> {
                Iterator<DynamicMessage> it = ClientCalls.blockingServerStreamingCall(call, parse(method, json));
                while (it.hasNext() && (maxResponses == 0 || out.size() < maxResponses)) {
                    out.add(printer.print(it.next()));
                }
                if (it.hasNext()) {
                    call.cancel("enough responses", null);
                }
            }
            default -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                StreamObserver<DynamicMessage> requests = ClientCalls.asyncClientStreamingCall(call,
                        new StreamObserver<>() {
                            @Override
                            public void onNext(DynamicMessage value) {
                                try {
                                    out.add(printer.print(value));
                                } catch (InvalidProtocolBufferException e) {
                                    done.completeExceptionally(e);
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                done.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                                done.complete(null);
                            }
                        });
                for (String one : splitArray(json)) {
                    requests.onNext(parse(method, one));
                }
                requests.onCompleted();
                done.join();
            }
        }
        return out;
    }

    private DynamicMessage parse(Descriptors.MethodDescriptor method, String json)
            throws InvalidProtocolBufferException {
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(method.getInputType());
        JsonFormat.parser().usingTypeRegistry(catalog.types()).merge(json, builder);
        return builder.build();
    }

    private static List<String> splitArray(String json) {
        var array = com.google.gson.JsonParser.parseString(json);
        List<String> items = new ArrayList<>();
        if (array.isJsonArray()) {
            array.getAsJsonArray().forEach(e -> items.add(e.toString()));
        } else {
            items.add(json);
        }
        return items;
    }

    private static MethodDescriptor.MethodType type(Descriptors.MethodDescriptor method) {
        if (method.isClientStreaming() && method.isServerStreaming()) {
            return MethodDescriptor.MethodType.BIDI_STREAMING;
        }
        if (method.isClientStreaming()) {
            return MethodDescriptor.MethodType.CLIENT_STREAMING;
        }
        return method.isServerStreaming()
                ? MethodDescriptor.MethodType.SERVER_STREAMING
                : MethodDescriptor.MethodType.UNARY;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
