package dev.cairn.platform.grpc;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Inject;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GlobalInterceptor;
import io.vertx.core.Vertx;

/**
 * Answers a call DEADLINE_EXCEEDED just before its caller's deadline when the service has not answered by then, and
 * drops whatever the service writes after that.
 * <p>
 * Why: gRPC shares the HTTP port here, on Vert.x's HTTP/2 server and vertx-grpc's bridge (4.5). When a caller's
 * deadline passes it resets the stream; for a unary call Vert.x does not pass that reset on (the request has already
 * ended, eclipse-vertx/vert.x#5562), so the call is never cancelled, and when the service answers later the answer is
 * written to a stream Netty no longer knows. Netty takes it for a stream the server opens with a client's stream id,
 * a connection error: GOAWAY PROTOCOL_ERROR, and every other call in flight on that HTTP/2 connection fails INTERNAL
 * (faults findings F3/F4: one slow Redis and a product service's short deadlines took down its patient calls too;
 * quarkusio/quarkus#56268 is the same defect, open upstream). Answering first means the caller never resets: it gets
 * DEADLINE_EXCEEDED, as it would have, and the connection lives.
 * <p>
 * What it does not cover: a caller that cancels without a deadline (or before it), whose reset still races a late
 * answer. Those are rarer than deadlines; the upstream fix or gRPC on its own server (grpc-java's Netty transport,
 * which cancels on any reset) would cover them.
 */
@GlobalInterceptor
@ApplicationScoped
public class DeadlineGuard implements ServerInterceptor, Prioritized {

    /** First of all (interceptors of higher priority run first): the call it wraps is the transport's own. */
    static final int PRIORITY = Integer.MAX_VALUE;

    static final Metadata.Key<String> GRPC_TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    /** The most the answer comes before the deadline: more than a caller's timer and the network's delay together. */
    static final Duration MAX_LEAD = Duration.ofMillis(100);

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry registry;

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        Optional<Duration> timeout = timeout(headers.get(GRPC_TIMEOUT));
        if (timeout.isEmpty()) {
            return next.startCall(call, headers);
        }
        GuardedCall<Q, R> guarded = new GuardedCall<>(call, timeout.get());
        long timer = vertx.setTimer(Math.max(1, answerBy(timeout.get()).toMillis()), id -> guarded.expire());
        guarded.onClose(() -> vertx.cancelTimer(timer));
        return next.startCall(guarded, headers);
    }

    /**
     * The caller's timeout from its {@code grpc-timeout} header (gRPC over HTTP/2: at most 8 digits and a unit), or
     * empty when there is none or it cannot be read, in which case the call is left alone.
     */
    static Optional<Duration> timeout(String header) {
        if (header == null || header.length() < 2 || header.length() > 9) {
            return Optional.empty();
        }
        String digits = header.substring(0, header.length() - 1);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return Optional.empty();
            }
        }
        long amount = Long.parseLong(digits);
        TimeUnit unit = switch (header.charAt(header.length() - 1)) {
            case 'H' -> TimeUnit.HOURS;
            case 'M' -> TimeUnit.MINUTES;
            case 'S' -> TimeUnit.SECONDS;
            case 'm' -> TimeUnit.MILLISECONDS;
            case 'u' -> TimeUnit.MICROSECONDS;
            case 'n' -> TimeUnit.NANOSECONDS;
            default -> null;
        };
        return unit == null ? Optional.empty() : Optional.of(Duration.ofNanos(unit.toNanos(amount)));
    }

    /** When, after the call arrived, the server answers in the caller's place: a tenth early, at most MAX_LEAD. */
    static Duration answerBy(Duration timeout) {
        Duration lead = timeout.dividedBy(10);
        return timeout.minus(lead.compareTo(MAX_LEAD) > 0 ? MAX_LEAD : lead);
    }

    /**
     * The transport's call with one rule added: once closed, by the service or on expiry, nothing more is written. The
     * service and the expiry timer run on different threads, so every write and the close hold the call's lock.
     */
    private final class GuardedCall<Q, R> extends SimpleForwardingServerCall<Q, R> {

        private final Duration timeout;
        private boolean closed;
        private Runnable onClose = () -> {
        };

        GuardedCall(ServerCall<Q, R> call, Duration timeout) {
            super(call);
            this.timeout = timeout;
        }

        synchronized void onClose(Runnable action) {
            this.onClose = action;
        }

        synchronized void expire() {
            if (closed) {
                return;
            }
            closed = true;
            Counter.builder("cairn.grpc.deadline.answers")
                    .description("Calls answered DEADLINE_EXCEEDED by the server just before the caller's deadline")
                    .tag("method", getMethodDescriptor().getFullMethodName())
                    .register(registry)
                    .increment();
            super.close(Status.DEADLINE_EXCEEDED.withDescription("no answer within the caller's deadline of "
                    + timeout.toMillis() + " ms (the server answers for it just before the deadline)"),
                    new Metadata());
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!closed) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!closed) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (closed) {
                return;
            }
            closed = true;
            onClose.run();
            super.close(status, trailers);
        }
    }
}
