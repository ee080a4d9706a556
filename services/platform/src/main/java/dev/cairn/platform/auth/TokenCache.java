package dev.cairn.platform.auth;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

import dev.cairn.platform.CairnConfig;

/**
 * Wires {@link VerifiedTokens} into Quarkus security: a provider asked before quarkus-oidc's answers a token it
 * has seen verified, and an augmentor that runs after every other one remembers what quarkus-oidc verified. Off
 * with {@code cairn.auth.token-cache.enabled=false}. Hits and misses are counted as
 * {@code cairn.auth.token_cache{result}}.
 */
public final class TokenCache {

    /** Marks an identity served from the cache, so the augmentor does not remember it again. */
    static final String FROM_CACHE = "cairn.auth.token-cache.hit";

    private TokenCache() {
    }

    @Singleton
    public static class Producer {

        @Produces
        @Singleton
        VerifiedTokens verifiedTokens(CairnConfig config) {
            CairnConfig.Auth.TokenCacheConfig c = config.auth().tokenCache();
            return new VerifiedTokens(c.maxSize(), c.maxAge(), Clock.systemUTC());
        }
    }

    /** Answers a remembered token; otherwise passes (null) to quarkus-oidc, which verifies it. */
    @ApplicationScoped
    public static class CachedTokenProvider implements IdentityProvider<TokenAuthenticationRequest> {

        @Inject
        VerifiedTokens tokens;

        @Inject
        CairnConfig config;

        private final Counter hits;
        private final Counter misses;

        @Inject
        CachedTokenProvider(MeterRegistry registry) {
            hits = Counter.builder("cairn.auth.token_cache").tag("result", "hit")
                    .description("Bearer tokens answered from the verified-token cache").register(registry);
            misses = Counter.builder("cairn.auth.token_cache").tag("result", "miss")
                    .description("Bearer tokens verified by quarkus-oidc").register(registry);
        }

        @Override
        public Class<TokenAuthenticationRequest> getRequestType() {
            return TokenAuthenticationRequest.class;
        }

        /** Before quarkus-oidc's provider (which has the default, 1001). */
        @Override
        public int priority() {
            return 2000;
        }

        @Override
        public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request,
                AuthenticationRequestContext context) {
            if (!config.auth().tokenCache().enabled()) {
                return Uni.createFrom().nullItem();
            }
            var found = tokens.find(request.getToken().getToken());
            if (found.isEmpty()) {
                misses.increment();
                return Uni.createFrom().nullItem();
            }
            hits.increment();
            QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder(found.get().identity())
                    .addAttribute(FROM_CACHE, Boolean.TRUE);
            RoutingContext current = HttpSecurityUtils.getRoutingContextAttribute(request);
            if (current != null) {
                found.get().requestAttributes().forEach(name -> identity.addAttribute(name, current));
            }
            return Uni.createFrom().item(identity.build());
        }
    }

    /** Remembers every identity quarkus-oidc verified from a bearer token; runs after all other augmentors. */
    @ApplicationScoped
    public static class RememberVerifiedToken implements SecurityIdentityAugmentor {

        @Inject
        VerifiedTokens tokens;

        @Inject
        CairnConfig config;

        @Override
        public int priority() {
            return Integer.MIN_VALUE;
        }

        @Override
        public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
            if (config.auth().tokenCache().enabled() && !identity.isAnonymous()
                    && identity.getAttribute(FROM_CACHE) == null) {
                TokenCredential token = identity.getCredential(TokenCredential.class);
                if (token != null && "bearer".equalsIgnoreCase(token.getType())) {
                    tokens.remember(token.getToken(), identity);
                }
            }
            return Uni.createFrom().item(identity);
        }
    }
}
