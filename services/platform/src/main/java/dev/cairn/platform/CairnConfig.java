package dev.cairn.platform;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings every Cairn service shares. Each service adds its own mapping under {@code cairn.<service>}. */
@ConfigMapping(prefix = "cairn")
public interface CairnConfig {

    /**
     * Directory holding the contracts/ tree (Kubernetes mounts it from a ConfigMap). Unset: the copy
     * packaged with the service, which is what was reviewed and built.
     */
    Optional<String> contractsDir();

    Kafka kafka();

    Auth auth();

    interface Auth {
        /** Bearer tokens remembered once verified (see dev.cairn.platform.auth.VerifiedTokens). */
        TokenCacheConfig tokenCache();

        interface TokenCacheConfig {
            /** Off: every call's token is verified by quarkus-oidc. */
            @WithDefault("true")
            boolean enabled();

            /** Tokens remembered at most; the least recently used go first. */
            @WithDefault("10000")
            long maxSize();

            /**
             * The longest a verification is trusted, however long the token lives: also how long a signing key
             * removed from the issuer keeps working for a token already seen.
             */
            @WithDefault("5m")
            java.time.Duration maxAge();
        }
    }

    interface Kafka {
        /**
         * Create the catalogue's missing topics at start. On by default so that a local stack or a fresh
         * cluster works; the Helm chart turns it off and provisions topics with a Job.
         */
        @WithDefault("true")
        boolean provisionTopics();

        /** Replication factor for topics this service creates: 1 on one local broker, 3 in production. */
        @WithDefault("1")
        short replicationFactor();
    }
}
