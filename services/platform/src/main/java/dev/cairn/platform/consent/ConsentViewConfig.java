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

    /**
     * The topic listing erased identifiers as keyed hashes; the view treats them as erased forever (a tombstone
     * on the state topic is compacted away in time).
     */
    @WithDefault("cairn.privacy.suppression.v1")
    String suppressionTopic();

    /**
     * The secret erased identifiers are hashed with (the same as consent's; a secret, from
     * {@code CAIRN_SUPPRESSION_KEY}). Required when the view is enabled: without it, the view could not recognise
     * an erased subject once its tombstone is compacted.
     */
    java.util.Optional<String> suppressionKey();
}
