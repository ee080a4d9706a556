package dev.cairn.platform.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

class GrpcErrorsTest {

    @Test
    void bad_input_becomes_invalid_argument_with_one_field_violation_per_problem() throws Exception {
        StatusException e = GrpcErrors.toStatusException(new InvalidRequestException(List.of(
                new FieldViolation("events[0].message_id", "longer than 100 characters"),
                new FieldViolation("source_id", "required"))));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        BadRequest details = StatusProto.fromThrowable(e).getDetails(0).unpack(BadRequest.class);
        assertEquals(2, details.getFieldViolationsCount());
        assertEquals("events[0].message_id", details.getFieldViolations(0).getField());
    }

    @Test
    void backpressure_becomes_resource_exhausted_with_the_retry_delay() throws Exception {
        StatusException e = GrpcErrors.toStatusException(
                new BackpressureException("source rate limit", Duration.ofMillis(1500)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        RetryInfo retry = StatusProto.fromThrowable(e).getDetails(0).unpack(RetryInfo.class);
        assertEquals(1, retry.getRetryDelay().getSeconds());
        assertEquals(500_000_000, retry.getRetryDelay().getNanos());
        // The same delay for gRPC clients' own retry policies, which read the pushback trailer, not RetryInfo.
        assertEquals("1500", e.getTrailers().get(GrpcErrors.RETRY_PUSHBACK_MS));
    }

    @Test
    void a_client_pool_with_too_many_waiting_requests_is_backpressure_not_an_internal_error() throws Exception {
        StatusException e = GrpcErrors.toStatusException(new java.util.concurrent.CompletionException(
                new io.vertx.core.http.ConnectionPoolTooBusyException("Connection pool reached max wait queue size")));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        RetryInfo retry = StatusProto.fromThrowable(e).getDetails(0).unpack(RetryInfo.class);
        assertEquals(100_000_000, retry.getRetryDelay().getNanos());
    }

    @Test
    void a_dependency_refusing_or_dropping_its_connection_is_unavailable_with_a_retry_delay_never_internal() {
        // Redis stopped under identity's Resolve: the client's failure wraps a refused connection (faults-redis-restart
        // saw 38 of 38 calls answered INTERNAL before this mapping).
        for (Throwable failure : List.of(
                new java.util.concurrent.CompletionException(
                        new IllegalStateException("redis", new java.net.ConnectException("Connection refused"))),
                new RuntimeException(new java.net.SocketException("Connection reset")),
                new java.nio.channels.ClosedChannelException(),
                new io.vertx.core.http.HttpClosedException("Connection was closed"))) {
            StatusException e = GrpcErrors.toStatusException(failure);
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), failure.toString());
            com.google.rpc.Status status = StatusProto.fromThrowable(e);
            assertTrue(status.getDetailsList().stream().anyMatch(d -> d.is(RetryInfo.class)),
                    "a retry delay for " + failure);
            assertEquals("1000", e.getTrailers().get(GrpcErrors.RETRY_PUSHBACK_MS));
        }
        assertEquals(Status.Code.INTERNAL,
                GrpcErrors.toStatusException(new IllegalStateException("a bug, not a connection")).getStatus()
                        .getCode());
    }

    @Test
    void dependencies_security_and_unknown_failures_map_to_their_codes() {
        assertEquals(Status.Code.UNAVAILABLE, GrpcErrors.toStatusException(
                new DependencyUnavailableException("redis", "timeout", null)).getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND,
                GrpcErrors.toStatusException(new NotFoundException("no such profile")).getStatus().getCode());
        assertEquals(Status.Code.UNAUTHENTICATED,
                GrpcErrors.toStatusException(new UnauthorizedException()).getStatus().getCode());
        assertEquals(Status.Code.PERMISSION_DENIED,
                GrpcErrors.toStatusException(new ForbiddenException()).getStatus().getCode());
        StatusException internal = GrpcErrors.toStatusException(new IllegalStateException("secret detail"));
        assertEquals(Status.Code.INTERNAL, internal.getStatus().getCode());
        assertFalse(internal.getStatus().getDescription().contains("secret detail"), "internals do not leak");
    }

    @Test
    void a_refusal_of_what_the_caller_named_is_permission_denied_with_its_reason_and_error_info() throws Exception {
        StatusException e = GrpcErrors.toStatusException(new java.util.concurrent.CompletionException(
                new PermissionDeniedException("SOURCE_NOT_GRANTED", java.util.Map.of("source_id", "web"),
                        "source 'web' is not granted to this caller")));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertEquals("source 'web' is not granted to this caller", e.getStatus().getDescription());
        ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
        assertEquals("SOURCE_NOT_GRANTED", info.getReason());
        assertEquals(PermissionDeniedException.DOMAIN, info.getDomain());
        assertEquals("web", info.getMetadataOrThrow("source_id"));
    }
}
