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
