package dev.cairn.bench.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import dev.cairn.bench.load.Backpressure;

/** gRPC plumbing shared by the scenarios: a few connections per target, a bearer token, futures. */
public final class Grpc {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);

    private Grpc() {
    }

    /**
     * Several HTTP/2 connections, used in turn: one connection is one event-loop thread on each side, so a
     * single one would measure the loop rather than the server. directExecutor: answers are handled on the
     * transport thread, which is what the generator wants (its callbacks only record and send).
     */
    public static final class Pool implements AutoCloseable {
        private final List<ManagedChannel> channels = new ArrayList<>();
        private final List<Channel> intercepted = new ArrayList<>();
        private final AtomicInteger next = new AtomicInteger();

        public Pool(String host, int port, int connections, Supplier<String> token) {
            for (int i = 0; i < connections; i++) {
                ManagedChannel ch = ManagedChannelBuilder.forAddress(host, port).usePlaintext().directExecutor()
                        .maxInboundMessageSize(64 * 1024 * 1024).build();
                channels.add(ch);
                intercepted.add(token == null ? ch : ClientInterceptors.intercept(ch, bearer(token)));
            }
        }

        public Channel next() {
            return intercepted.get(Math.floorMod(next.getAndIncrement(), intercepted.size()));
        }

        @Override
        public void close() {
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    static ClientInterceptor bearer(Supplier<String> token) {
        return new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
                    Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        headers.put(AUTHORIZATION, "Bearer " + token.get());
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    /** A gRPC future as a CompletableFuture; RESOURCE_EXHAUSTED is back-pressure, not an error. */
    public static <T> CompletableFuture<T> toFuture(ListenableFuture<T> f) {
        CompletableFuture<T> cf = new CompletableFuture<>();
        Futures.addCallback(f, new FutureCallback<>() {
            @Override
            public void onSuccess(T result) {
                cf.complete(result);
            }

            @Override
            public void onFailure(Throwable t) {
                if (t instanceof StatusRuntimeException s
                        && s.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                    cf.completeExceptionally(new Backpressure(s.getStatus().toString()));
                } else {
                    cf.completeExceptionally(t);
                }
            }
        }, MoreExecutors.directExecutor());
        return cf;
    }
}
