package dev.cairn.cli;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

/** Calls one RPC with JSON in and JSON out, the way grpcurl would, through the generated descriptors. */
final class RpcCaller implements AutoCloseable {

    private final ManagedChannel channel;
    private final CallCredentials credentials;
    private final RpcCatalog catalog;

    RpcCaller(String address, CallCredentials credentials, RpcCatalog catalog) {
        this.channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
        this.credentials = credentials;
        this.catalog = catalog;
    }

    /**
     * The request messages of {@code json} in proto JSON: one object, or for a client-streaming RPC a JSON array of
     * objects. Fails on JSON that is not the RPC's request message, before anything is sent.
     */
    static List<Message> requests(Descriptors.MethodDescriptor method, String json, RpcCatalog catalog)
            throws InvalidProtocolBufferException {
        List<Message> requests = new ArrayList<>();
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new InvalidProtocolBufferException("not JSON: " + e.getMessage());
        }
        if (parsed.isJsonArray() && method.isClientStreaming()) {
            for (JsonElement one : parsed.getAsJsonArray()) {
                requests.add(parse(method, one.toString(), catalog));
            }
        } else {
            requests.add(parse(method, json, catalog));
        }
        return requests;
    }

    /**
     * @param requests one request; for a client-streaming RPC, every message of the stream
     * @param maxResponses for server streaming: stop after this many responses (0 = until the stream ends)
     * @return each response as proto JSON
     */
    List<String> call(Descriptors.MethodDescriptor method, List<? extends Message> requests, int maxResponses,
            long timeoutSeconds) throws InvalidProtocolBufferException {
        MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod = MethodDescriptor
                .<DynamicMessage, DynamicMessage>newBuilder()
                .setType(type(method))
                .setFullMethodName(MethodDescriptor.generateFullMethodName(method.getService().getFullName(),
                        method.getName()))
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
                .build();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
        ClientCall<DynamicMessage, DynamicMessage> call = channel.newCall(grpcMethod,
                credentials == null ? options : options.withCallCredentials(credentials));
        JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(catalog.types());
        List<String> out = new ArrayList<>();
        switch (grpcMethod.getType()) {
            case UNARY -> out.add(printer.print(ClientCalls.blockingUnaryCall(call, single(method, requests))));
            case SERVER_STREAMING -> {
                Iterator<DynamicMessage> it = ClientCalls.blockingServerStreamingCall(call, single(method, requests));
                while (it.hasNext() && (maxResponses == 0 || out.size() < maxResponses)) {
                    out.add(printer.print(it.next()));
                }
                if (it.hasNext()) {
                    call.cancel("enough responses", null);
                }
            }
            default -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                StreamObserver<DynamicMessage> stream = ClientCalls.asyncClientStreamingCall(call,
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
                for (Message one : requests) {
                    stream.onNext(dynamic(method, one));
                }
                stream.onCompleted();
                done.join();
            }
        }
        return out;
    }

    private static DynamicMessage parse(Descriptors.MethodDescriptor method, String json, RpcCatalog catalog)
            throws InvalidProtocolBufferException {
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(method.getInputType());
        JsonFormat.parser().usingTypeRegistry(catalog.types()).merge(json, builder);
        return builder.build();
    }

    private static DynamicMessage single(Descriptors.MethodDescriptor method, List<? extends Message> requests)
            throws InvalidProtocolBufferException {
        if (requests.size() != 1) {
            throw new IllegalArgumentException(method.getName() + " takes one request, not " + requests.size());
        }
        return dynamic(method, requests.get(0));
    }

    /** A typed request (identity's commands build them) as the method's message, checked to be of its type. */
    private static DynamicMessage dynamic(Descriptors.MethodDescriptor method, Message request)
            throws InvalidProtocolBufferException {
        if (!request.getDescriptorForType().getFullName().equals(method.getInputType().getFullName())) {
            throw new IllegalArgumentException(method.getName() + " takes " + method.getInputType().getFullName()
                    + ", not " + request.getDescriptorForType().getFullName());
        }
        return request instanceof DynamicMessage d
                ? d
                : DynamicMessage.parseFrom(method.getInputType(), request.toByteString());
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
