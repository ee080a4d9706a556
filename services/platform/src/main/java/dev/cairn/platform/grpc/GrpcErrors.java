package dev.cairn.platform.grpc;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * The one place where Cairn's exceptions become gRPC statuses. Bad input carries field violations
 * (google.rpc.BadRequest), backpressure carries RetryInfo, a refusal of what an authorized caller asked for carries
 * ErrorInfo, and anything unexpected becomes INTERNAL without leaking its message to the caller (it is logged
 * instead).
 */
public final class GrpcErrors {

    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);
    static final Metadata.Key<String> RETRY_PUSHBACK_MS = Metadata.Key.of("grpc-retry-pushback-ms",
            Metadata.ASCII_STRING_MARSHALLER);

    private GrpcErrors() {
    }

    public static StatusException toStatusException(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof StatusException se) {
            return se;
        }
        if (t instanceof StatusRuntimeException sre) {
            return new StatusException(sre.getStatus(), sre.getTrailers());
        }
        if (t instanceof InvalidRequestException ire) {
            BadRequest.Builder bad = BadRequest.newBuilder();
            for (FieldViolation v : ire.violations()) {
                bad.addFieldViolations(
                        BadRequest.FieldViolation.newBuilder().setField(v.field()).setDescription(v.description()));
            }
            return StatusProto.toStatusException(com.google.rpc.Status.newBuilder()
                    .setCode(Code.INVALID_ARGUMENT_VALUE)
                    .setMessage(ire.getMessage())
                    .addDetails(Any.pack(bad.build()))
                    .build());
        }
        if (t instanceof BackpressureException bpe) {
            RetryInfo retry = RetryInfo.newBuilder()
                    .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                            .setSeconds(bpe.retryAfter().getSeconds())
                            .setNanos(bpe.retryAfter().getNano()))
                    .build();
            return StatusProto.toStatusException(com.google.rpc.Status.newBuilder()
                    .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
                    .setMessage(bpe.getMessage())
                    .addDetails(Any.pack(retry))
                    .build(), pushback(bpe.retryAfter()));
        }
        if (t instanceof io.vertx.core.http.ConnectionPoolTooBusyException) {
            // A client pool (Redis, HTTP) has more requests waiting than it allows: the caller is ahead of what
            // this instance can serve right now. Backpressure, not a bug: retry shortly.
            return toStatusException(new BackpressureException(
                    "too many requests in flight on this instance; retry shortly", java.time.Duration.ofMillis(100)));
        }
        if (t instanceof DependencyUnavailableException || t instanceof TimeoutException) {
            return unavailable(t.getMessage());
        }
        Throwable lostConnection = lostConnection(t);
        if (lostConnection != null) {
            // Redis, PostgreSQL or Kafka refused or dropped the connection: the answer would be made from missing
            // data, so there is none, and the caller is told to retry (never INTERNAL, never "not found").
            LOG.debugf(lostConnection, "a dependency's connection failed while serving a gRPC call");
            return unavailable(
                    "a dependency of this service is unreachable (" + lostConnection.getClass().getSimpleName()
                            + "); retry shortly");
        }
        if (t instanceof PermissionDeniedException denied) {
            return StatusProto.toStatusException(com.google.rpc.Status.newBuilder()
                    .setCode(Code.PERMISSION_DENIED_VALUE)
                    .setMessage(denied.getMessage())
                    .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(denied.reason())
                            .setDomain(PermissionDeniedException.DOMAIN).putAllMetadata(denied.metadata()).build()))
                    .build());
        }
        if (t instanceof NotFoundException) {
            return Status.NOT_FOUND.withDescription(t.getMessage()).asException();
        }
        // An anonymous caller is unauthenticated; an authenticated one without the role is forbidden.
        if (t instanceof AuthenticationFailedException || t instanceof UnauthorizedException) {
            return Status.UNAUTHENTICATED.withDescription("a valid bearer token is required").asException();
        }
        if (t instanceof ForbiddenException || t instanceof SecurityException) {
            return Status.PERMISSION_DENIED.withDescription("the caller lacks the role this RPC requires")
                    .asException();
        }
        if (t instanceof IllegalArgumentException) {
            return Status.INVALID_ARGUMENT.withDescription(t.getMessage()).asException();
        }
        LOG.error("unexpected failure serving a gRPC call", t);
        return Status.INTERNAL.withDescription("internal error; the server log has the details").asException();
    }

    /** How long a caller is told to wait before retrying an UNAVAILABLE answer. */
    static final java.time.Duration UNAVAILABLE_RETRY = java.time.Duration.ofSeconds(1);

    /** UNAVAILABLE with RetryInfo and the same delay as retry pushback, like RESOURCE_EXHAUSTED. */
    private static StatusException unavailable(String message) {
        RetryInfo retry = RetryInfo.newBuilder().setRetryDelay(
                com.google.protobuf.Duration.newBuilder().setSeconds(UNAVAILABLE_RETRY.getSeconds())).build();
        return StatusProto.toStatusException(com.google.rpc.Status.newBuilder().setCode(Code.UNAVAILABLE_VALUE)
                .setMessage(String.valueOf(message)).addDetails(Any.pack(retry)).build(), pushback(UNAVAILABLE_RETRY));
    }

    /**
     * The failure's cause that says a connection to a dependency could not be made or was lost, or null: refused,
     * reset or timed out sockets ({@link java.net.SocketException} and its kind), a channel closed under a request,
     * Vert.x's "connection closed" of its HTTP, SQL and Redis clients. Looked for along the causes, since clients
     * wrap them.
     */
    static Throwable lostConnection(Throwable t) {
        // Bounded: getCause() never returns the throwable itself, but a longer cycle of causes would loop forever.
        Throwable c = t;
        for (int depth = 0; c != null && depth < 32; c = c.getCause(), depth++) {
            // SocketException covers ConnectException and Netty's ConnectTimeoutException (a subclass of it).
            if (c instanceof java.net.SocketException || c instanceof java.nio.channels.ClosedChannelException
                    || c instanceof java.net.SocketTimeoutException || c instanceof java.net.UnknownHostException
                    || c instanceof io.vertx.core.http.HttpClosedException
                    || c.getClass().getName().equals("io.vertx.sqlclient.ClosedConnectionException")) {
                return c;
            }
        }
        return null;
    }

    /**
     * The same delay as gRPC's own retry pushback (gRFC A6): a gRPC client with a retry policy (grpc-java's, cairn-client)
     * waits exactly this long and tries again, even for a code its policy does not retry by itself; one without a
     * policy ignores it and reads RetryInfo.
     */
    static Metadata pushback(java.time.Duration retryAfter) {
        Metadata trailers = new Metadata();
        trailers.put(RETRY_PUSHBACK_MS, Long.toString(Math.min(Integer.MAX_VALUE, Math.max(0, retryAfter.toMillis()))));
        return trailers;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
