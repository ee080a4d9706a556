package dev.cairn.platform.consent;

import java.time.Duration;
import java.util.Optional;

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
    Optional<String> suppressionKey();

    /**
     * How long start-up waits for the view to catch up before the service goes on starting (and serving). 0, the
     * default: not at all; until it has caught up the service answers consent-dependent calls "retry" and
     * readiness keeps it out of rotation. Tests wait (their first call must meet a view that knows consent, as a
     * load balancer's first call would); a view still behind after the wait is logged, never fatal.
     */
    @WithDefault("0s")
    Duration startWait();

    /**
     * Readiness goes DOWN while the caught-up view is more than this many records behind the end of its topics.
     * 10,000 records is well past a burst of republished states (an identity merge republishes every identifier
     * of a profile), which the view applies in milliseconds; a view this far behind is not keeping up.
     */
    @WithDefault("10000")
    long maxLagRecords();

    /**
     * Readiness goes DOWN while the newest end offsets the view has reached were read longer ago than this: the
     * view may be missing every change since. 10 s is ten lag checks, well under what would let a withdrawal go
     * unenforced for long, and well above the second an idle view needs to show it is at the end.
     */
    @WithDefault("10s")
    Duration maxLagTime();

    /**
     * How often the view reads its topics' end offsets to measure its lag (one ListOffsets request each time).
     * Must be well under {@link #maxLagTime()}: the time lag of a view that keeps up is up to about one interval.
     */
    @WithDefault("1s")
    Duration lagCheckInterval();
}
