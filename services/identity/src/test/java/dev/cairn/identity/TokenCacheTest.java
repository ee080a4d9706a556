package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import dev.cairn.proto.identity.v1.ListHeldMergesRequest;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.testsupport.TestTokens;

/**
 * The verified-token cache (platform's TokenCache) on a real service: a token is verified once and then answered
 * from the cache, with the roles it was verified with, only until it expires; a token that differs in any byte
 * (forged with the same claims) is verified, and refused, as if nothing were cached.
 */
@QuarkusTest
class TokenCacheTest {

    @Inject
    MeterRegistry registry;

    @Test
    void a_verified_token_is_answered_from_the_cache_until_it_expires_and_never_widened_or_confused()
            throws Exception {
        ManagedChannel channel = IdentityFixture.channel();
        try {
            Instant issued = Instant.now();
            String token = TestTokens.withRolesFor(Duration.ofSeconds(3), "identity.read");
            IdentityServiceBlockingStub reader = IdentityServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(TestTokens.bearer(token));
            ResolveRequest resolve = ResolveRequest.newBuilder()
                    .setIdentifier(id("user_id", IdentityFixture.unique("tc"))).build();

            double hitsBefore = hits();
            reader.resolve(resolve);
            reader.resolve(resolve);
            reader.resolve(resolve);
            assertEquals(2, hits() - hitsBefore, 0.0, "the first call verified the token, the next two were hits");

            StatusRuntimeException operator = assertThrows(StatusRuntimeException.class,
                    () -> reader.listHeldMerges(ListHeldMergesRequest.getDefaultInstance()));
            assertEquals(Status.Code.PERMISSION_DENIED, operator.getStatus().getCode(),
                    "the cached identity has the roles the token was verified with, no more");

            String forged = TestTokens.forged("identity.read");
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> IdentityServiceGrpc.newBlockingStub(channel).withCallCredentials(TestTokens.bearer(forged))
                            .resolve(resolve));
            assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());

            // exp has a resolution of one second: wait until the clock has certainly passed it.
            Instant pastExpiry = issued.plusSeconds(3 + 1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(pastExpiry));
            StatusRuntimeException expired = assertThrows(StatusRuntimeException.class, () -> reader.resolve(resolve));
            assertEquals(Status.Code.UNAUTHENTICATED, expired.getStatus().getCode(),
                    "an expired token is refused although its verification was cached");
        } finally {
            channel.shutdownNow();
        }
    }

    private double hits() {
        var counter = registry.find("cairn.auth.token_cache").tag("result", "hit").counter();
        return counter == null ? 0 : counter.count();
    }
}
