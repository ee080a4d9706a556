package dev.cairn.platform.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

import io.quarkus.security.runtime.QuarkusSecurityIdentity;

/** Expiry, size bound and keying of the verified-token cache, on a clock the test moves. */
class VerifiedTokensTest {

    private static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static QuarkusSecurityIdentity identity(long expSeconds, String... roles) {
        JsonWebToken jwt = new JsonWebToken() {
            @Override
            public String getName() {
                return "client";
            }

            @Override
            public Set<String> getClaimNames() {
                return Set.of("exp");
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> T getClaim(String claimName) {
                return "exp".equals(claimName) ? (T) Long.valueOf(expSeconds) : null;
            }
        };
        return QuarkusSecurityIdentity.builder().setPrincipal(jwt).addRoles(Set.of(roles)).build();
    }

    @Test
    void an_entry_ends_at_the_tokens_exp_even_when_max_age_is_longer() {
        MovableClock clock = new MovableClock();
        VerifiedTokens tokens = new VerifiedTokens(100, Duration.ofMinutes(5), clock);
        tokens.remember("token-a", identity(clock.now.plusSeconds(30).getEpochSecond(), "identity.read"));
        assertTrue(tokens.find("token-a").isPresent());
        assertEquals(Set.of("identity.read"), tokens.find("token-a").get().identity().getRoles());
        clock.now = clock.now.plusSeconds(30);
        assertFalse(tokens.find("token-a").isPresent(), "not a millisecond past exp");
    }

    @Test
    void an_entry_ends_after_max_age_even_when_the_token_lives_longer() {
        MovableClock clock = new MovableClock();
        VerifiedTokens tokens = new VerifiedTokens(100, Duration.ofSeconds(10), clock);
        tokens.remember("token-b", identity(clock.now.plusSeconds(3600).getEpochSecond()));
        clock.now = clock.now.plusSeconds(9);
        assertTrue(tokens.find("token-b").isPresent());
        clock.now = clock.now.plusSeconds(1);
        assertFalse(tokens.find("token-b").isPresent());
    }

    @Test
    void only_the_exact_token_finds_its_entry_and_an_expired_or_unexpiring_one_is_not_remembered() {
        MovableClock clock = new MovableClock();
        VerifiedTokens tokens = new VerifiedTokens(100, Duration.ofMinutes(5), clock);
        tokens.remember("token-c", identity(clock.now.plusSeconds(60).getEpochSecond()));
        assertFalse(tokens.find("token-c ").isPresent());
        assertFalse(tokens.find("token-C").isPresent());
        tokens.remember("token-d", identity(clock.now.minusSeconds(1).getEpochSecond()));
        tokens.remember("token-e", identity(0));
        assertFalse(tokens.find("token-d").isPresent());
        assertFalse(tokens.find("token-e").isPresent());
        assertEquals(1, tokens.size());
    }

    @Test
    void the_cache_is_bounded() {
        MovableClock clock = new MovableClock();
        VerifiedTokens tokens = new VerifiedTokens(50, Duration.ofMinutes(5), clock);
        for (int i = 0; i < 500; i++) {
            tokens.remember("token-" + i, identity(clock.now.plusSeconds(60).getEpochSecond()));
        }
        assertTrue(tokens.size() <= 50, "size " + tokens.size());
    }
}
