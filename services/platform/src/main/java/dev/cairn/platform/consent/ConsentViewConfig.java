package dev.cairn.platform.consent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Opt-in wiring of the in-process consent view (ingest, segments and consent turn it on). */
@ConfigMapping(prefix = "cairn.consent-view")
public interface ConsentViewConfig {

    /**
     * Start the view at boot and gate readiness on it having caught up. Off by default, so services that do not
     * decide consent neither consume the topic nor wait for it.
     */
    @WithDefault("false")
    boolean enabled();

    /** The compacted consent state topic; the catalogue's name unless a test isolates itself. */
    @WithDefault("cairn.consent.state.v1")
    String topic();
}
