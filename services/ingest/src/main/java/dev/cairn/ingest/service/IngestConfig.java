package dev.cairn.ingest.service;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Ingest's own settings ({@code cairn.ingest.*}). */
@ConfigMapping(prefix = "cairn.ingest")
public interface IngestConfig {

    /** How long a (source, messageId) pair is remembered: a retry within it is answered DUPLICATE. */
    @WithDefault("24h")
    Duration dedupWindow();

    /**
     * How long a reservation of an event being published blocks its twins (they get RETRY). Longer than the
     * producer's delivery timeout (30 s), so a slow publish can never let a duplicate through.
     */
    @WithDefault("60s")
    Duration dedupInFlight();

    /** Event times further ahead of the receive time than this are a contract violation (producer clock bugs). */
    @WithDefault("24h")
    Duration futureTolerance();

    /** Most events in one request, over gRPC and HTTP alike (Segment's limit). */
    @WithDefault("2500")
    int maxEventsPerRequest();

    /** Largest single event, in bytes as sent (Segment's limit); a larger one is quarantined with a SIZE violation. */
    @WithDefault("32768")
    int maxEventBytes();

    /**
     * Deepest nesting of an event's properties, traits, context and integrations: the object itself is level 1,
     * each object or array inside it one more. A deeper event is quarantined (SIZE at its path). At most 32
     * ({@link EnvelopeCheck#MAX_READABLE_DEPTH}): protobuf cannot parse an Event back past about 33 levels, so
     * a larger value is refused at start.
     */
    @WithDefault("32")
    int maxNestingDepth();

    /**
     * The claim of a gRPC caller's bearer token that lists the sources it may write as, re-drive and replay
     * ({@link SourceGrants}): a JSON array of source ids. A top-level claim, named as the issuer writes it (the
     * whole URL, for an issuer that namespaces custom claims under one). A token without it is granted no source.
     */
    @WithDefault("cairn_sources")
    String sourcesClaim();

    /** Transactional Kafka producers: how many requests can commit at once. */
    @WithDefault("4")
    int producers();

    /** How long a request waits for a free producer before it is answered with backpressure. */
    @WithDefault("2s")
    Duration producerAcquireTimeout();

    /**
     * The PII hashing key (base64, at least 16 bytes). A secret: never in contracts/. Either this, or the
     * file below.
     */
    Optional<String> piiHashingKey();

    /** File holding the base64 PII hashing key (the local stack generates one; Kubernetes mounts a Secret). */
    @WithDefault("${CAIRN_SECRETS_DIR:/var/run/secrets/cairn}/pii-hmac.key")
    String piiHashingKeyFile();
}
