package dev.cairn.consent;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The consent service's own settings (cairn.consent.*). */
@ConfigMapping(prefix = "cairn.consent")
public interface ConsentConfig {

    /**
     * Secret key of the keyed hashes (HMAC-SHA256) that stand for subjects on the suppression topic and in the
     * audit trail. No default: application.properties reads CAIRN_SUPPRESSION_KEY; ingest must use the same key.
     */
    String suppressionKey();

    /** Deadline of each call to identity or segments during erasure and export. Default 10 s. */
    @WithDefault("10s")
    Duration callTimeout();

    /**
     * An erasure request still PENDING this long after an instance took it on is taken as interrupted (the
     * instance stopped mid-way) and resumed; FAILED ones are retried after the same delay. Longer than a run
     * takes: five steps of at most three attempts of {@link #callTimeout()} each. Default 10 min.
     */
    @WithDefault("10m")
    Duration erasureResumeAfter();

    /** How often to look for erasure requests to resume, and to refresh the pending-erasure gauges. Default 1 min. */
    @WithDefault("1m")
    Duration erasureSweepInterval();
}
