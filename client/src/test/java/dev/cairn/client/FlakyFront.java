package dev.cairn.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

/**
 * What stands between a client and a real service in production, a load balancer or mesh proxy, made to fail on
 * cue: it forwards every call byte for byte (headers, the bearer token included) to the service behind it, except
 * the calls it was told to answer itself, as a proxy answers UNAVAILABLE while an instance restarts. It counts the
 * attempts that reach it per RPC, which is what shows how often a client tried.
 */
final class FlakyFront implements AutoCloseable {

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final ManagedChannel upstream;
    private final Server server;
    private final Queue<StatusException> scripted = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

    private FlakyFront(String upstreamTarget) throws IOException {
        upstream = ManagedChannelBuilder.forTarget(upstreamTarget).usePlaintext().build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .fallbackHandlerRegistry(new HandlerRegistry() {
                    @Override
                    public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
                        return ServerMethodDefinition.create(MethodDescriptor.newBuilder(BYTES, BYTES)
                                .setFullMethodName(method).setType(MethodDescriptor.MethodType.UNKNOWN).build(),
                                FlakyFront.this::forward);
                    }
                }).build().start();
    }

    /** A front for the service at {@code upstreamTarget} (host:port, plaintext). */
    static FlakyFront of(String upstreamTarget) {
        try {
            return new FlakyFront(upstreamTarget);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String target() {
        return "127.0.0.1:" + server.getPort();
    }

    /** The next call that arrives is answered with {@code failure} instead of being forwarded. */
    void failNext(StatusException failure) {
        scripted.add(failure);
    }

    /** The attempts of the RPC that have reached this front so far. */
    int attempts(MethodDescriptor<?, ?> method) {
        return attempts.computeIfAbsent(method.getFullMethodName(), m -> new AtomicInteger()).get();
    }

    private ServerCall.Listener<byte[]> forward(ServerCall<byte[], byte[]> call, Metadata headers) {
        attempts.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(), m -> new AtomicInteger())
                .incrementAndGet();
        StatusException failure = scripted.poll();
        if (failure != null) {
            call.close(failure.getStatus(), failure.getTrailers() != null ? failure.getTrailers() : new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        ClientCall<byte[], byte[]> out = upstream.newCall(call.getMethodDescriptor(), CallOptions.DEFAULT);
        out.start(new ClientCall.Listener<>() {
            @Override
            public void onHeaders(Metadata responseHeaders) {
                call.sendHeaders(responseHeaders);
            }

            @Override
            public void onMessage(byte[] message) {
                call.sendMessage(message);
                out.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                call.close(status, trailers);
            }
        }, headers);
        out.request(1);
        call.request(1);
        return new ServerCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                out.sendMessage(message);
                call.request(1);
            }

            @Override
            public void onHalfClose() {
                out.halfClose();
            }

            @Override
            public void onCancel() {
                out.cancel("the caller cancelled", null);
            }
        };
    }

    @Override
    public void close() {
        server.shutdownNow();
        upstream.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
