package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.common.util.concurrent.ListenableFuture;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.identity.v1.ResolveResponse;
import dev.cairn.testsupport.TestTokens;

/**
 * Faults findings F3/F4: a call the client gave up on (its deadline passed, so it reset the stream) must not take
 * the other calls of its HTTP/2 connection down with it when the server answers it late. Writing that late answer
 * to the reset stream made the server's HTTP/2 layer close the whole connection with GOAWAY PROTOCOL_ERROR
 * ("Request stream N is not correct for server connection"), and every call in flight on it failed INTERNAL.
 * Redis is paused so that calls wait in identity: the first give up, the others wait it out on the same connection.
 * Platform's {@code DeadlineGuard} answers the impatient calls just before their deadline, so they are never reset;
 * without it this test fails with every patient call INTERNAL.
 */
@QuarkusTest
class CancelledCallsTest {

    @Inject
    RedisDataSource redis;

    @Test
    void a_call_abandoned_by_its_client_does_not_fail_the_other_calls_on_its_connection() throws Exception {
        ManagedChannel channel = IdentityFixture.channel();
        try {
            IdentityServiceGrpc.IdentityServiceFutureStub stub = IdentityServiceGrpc.newFutureStub(channel)
                    .withCallCredentials(TestTokens.bearer(TestTokens.withRoles("identity.read")));
            ResolveRequest request = ResolveRequest.newBuilder().setIdentifier(id("user_id", "cancel-probe")).build();
            stub.resolve(request).get(30, TimeUnit.SECONDS); // the connection is up and identity answers
            redis.execute("CLIENT", "PAUSE", "2500", "ALL");
            List<ListenableFuture<ResolveResponse>> abandoned = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                abandoned.add(stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS).resolve(request));
            }
            Thread.sleep(600); // the abandoned calls' deadlines have passed
            List<ListenableFuture<ResolveResponse>> patient = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                patient.add(stub.withDeadlineAfter(20, TimeUnit.SECONDS).resolve(request));
            }
            for (ListenableFuture<ResolveResponse> f : abandoned) {
                Status.Code code = Status
                        .fromThrowable(assertThrows(Exception.class, () -> f.get(10, TimeUnit.SECONDS)))
                        .getCode();
                assertEquals(Status.Code.DEADLINE_EXCEEDED, code);
            }
            List<String> failures = new ArrayList<>();
            for (ListenableFuture<ResolveResponse> f : patient) {
                try {
                    f.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failures.add(String.valueOf(e.getCause() instanceof StatusRuntimeException s
                            ? s.getStatus()
                            : e.getCause()));
                }
            }
            assertTrue(failures.isEmpty(), "calls that waited on the same connection failed: " + failures);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            redis.execute("CLIENT", "UNPAUSE");
        }
    }
}
