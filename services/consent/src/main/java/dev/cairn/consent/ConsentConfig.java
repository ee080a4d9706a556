package dev.cairn.consent;

import java.time.Duration;
import java.util.Optional;

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

    /**
     * Bearer token consent presents to identity (EraseSubject, BatchResolve) and segments (EraseProfiles,
     * ListMemberships, GetTraits). Unset: calls go without one and those services refuse them, so the erasure
     * steps report FAILED. (A client-credentials flow would replace this; see README.)
     */
    Optional<String> serviceToken();

    /** Deadline of each call to identity or segments during erasure and export. Default 10 s. */
    @WithDefault("10s")
    Duration callTimeout();
}
