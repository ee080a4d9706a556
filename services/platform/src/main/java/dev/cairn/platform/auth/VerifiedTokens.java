package dev.cairn.platform.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.vertx.ext.web.RoutingContext;

/**
 * Bearer tokens already verified, with the identity their verification produced, so that a caller sending the
 * same token on every call (a product service asking identity "who is this visitor?" at request time) pays for
 * the RS256 signature check once per token rather than once per call. The load tests found that check to be
 * most of a request-time RPC's cost (load-tests/README.md).
 * <p>
 * What keeps this safe: only an identity that quarkus-oidc verified is ever remembered ({@link RememberVerifiedToken}
 * runs after verification); it is found again only by the exact token (keyed by the token's SHA-256, so the cache
 * holds no token); it is forgotten when the token expires (its {@code exp}, never later) or after {@code max-age},
 * whichever comes first; the cache is bounded. A forged, altered or expired token is a miss and is verified, and
 * refused, as before. What it gives up: a signing key removed from the issuer's key set stops being trusted for a
 * remembered token only when the entry ends (at most {@code max-age}).
 */
public final class VerifiedTokens {

    private record Entry(SecurityIdentity identity, List<String> requestAttributes, long expiresAtMillis) {
    }

    /** A remembered identity, and the attribute names that held the request it was verified on. */
    public record Found(SecurityIdentity identity, List<String> requestAttributes) {
    }

    private final Cache<String, Entry> cache;
    private final Clock clock;
    private final long maxAgeMillis;

    public VerifiedTokens(long maxSize, Duration maxAge, Clock clock) {
        this.clock = clock;
        this.maxAgeMillis = maxAge.toMillis();
        this.cache = Caffeine.newBuilder().maximumSize(maxSize).expireAfter(new Expiry<String, Entry>() {
            @Override
            public long expireAfterCreate(String key, Entry value, long currentTime) {
                return Math.max(0, value.expiresAtMillis() - clock.millis()) * 1_000_000L;
            }

            @Override
            public long expireAfterUpdate(String key, Entry value, long currentTime, long currentDuration) {
                return expireAfterCreate(key, value, currentTime);
            }

            @Override
            public long expireAfterRead(String key, Entry value, long currentTime, long currentDuration) {
                return currentDuration;
            }
        }).build();
    }

    /** The identity a verification of exactly this token produced, while the token is still valid. */
    public Optional<Found> find(String token) {
        Entry e = cache.getIfPresent(sha256(token));
        // Caffeine's expiry is checked on its own ticker; the token's exp is checked here too, so an entry is
        // never served a millisecond after the token expired.
        if (e == null || clock.millis() >= e.expiresAtMillis()) {
            return Optional.empty();
        }
        return Optional.of(new Found(e.identity(), e.requestAttributes()));
    }

    /**
     * Remembers a verified identity until its token's {@code exp} (capped by max-age). An identity whose principal
     * is not a JWT with an expiry is not remembered. Attributes holding the request it was verified on are dropped
     * (their names are kept, to put the next request there), so the cache never keeps a request alive.
     */
    public void remember(String token, SecurityIdentity identity) {
        if (!(identity.getPrincipal() instanceof JsonWebToken jwt) || jwt.getExpirationTime() <= 0) {
            return;
        }
        long now = clock.millis();
        long expiresAt = Math.min(jwt.getExpirationTime() * 1000, now + maxAgeMillis);
        if (expiresAt <= now) {
            return;
        }
        QuarkusSecurityIdentity.Builder copy = QuarkusSecurityIdentity.builder().setPrincipal(jwt)
                .setAnonymous(false).addCredentials(identity.getCredentials()).addRoles(identity.getRoles())
                .addPermissionChecker(identity::checkPermission);
        Map<String, Object> attributes = new HashMap<>();
        List<String> requestAttributes = new ArrayList<>();
        identity.getAttributes().forEach((name, value) -> {
            if (value instanceof RoutingContext) {
                requestAttributes.add(name);
            } else {
                attributes.put(name, value);
            }
        });
        copy.addAttributes(attributes);
        cache.put(sha256(token), new Entry(copy.build(), List.copyOf(requestAttributes), expiresAt));
    }

    /** Entries held (expired ones may still count until Caffeine evicts them). */
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
