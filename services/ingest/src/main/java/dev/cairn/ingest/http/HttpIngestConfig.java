package dev.cairn.ingest.http;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The Segment-compatible HTTP API. Limits are Segment's own, so that SDKs tuned for Segment fit unchanged. */
@ConfigMapping(prefix = "cairn.ingest.http")
public interface HttpIngestConfig {

    /**
     * The write keys: a properties file of {@code <write key>=<source id>} lines. A key is a secret, so it
     * lives with the other secrets (the local stack generates this file), never in the repository. Read at
     * start; keys naming a source that contracts/ingest/sources.yaml does not list are ignored.
     */
    @WithDefault("${CAIRN_SECRETS_DIR:/etc/cairn/secrets}/write-keys.properties")
    String writeKeysFile();

    /** Largest request body, after gzip decompression (Segment: 500 KB). Larger: 413. */
    @WithDefault("512000")
    int maxRequestBytes();

    /** Largest single event, as JSON (Segment: 32 KB). Larger: the event is quarantined with a SIZE violation. */
    @WithDefault("32768")
    int maxEventBytes();

    /** Most events in one batch (Segment: 2,500). More: 400, nothing ingested. */
    @WithDefault("2500")
    int maxBatchEvents();

    /** Retry-After sent with a 503 when a dependency (Kafka, Redis) did not answer and the pipeline gave no delay. */
    @WithDefault("PT5S")
    Duration unavailableRetryAfter();
}
