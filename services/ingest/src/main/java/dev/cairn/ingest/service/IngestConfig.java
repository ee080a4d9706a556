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

    /**
     * At start, mark done the events of the raw topic's last {@link #dedupInFlight()} (plus slack) whose dedup keys
     * a crashed process left in flight ({@link DedupRecovery}). Off only to observe the crash window in a test.
     */
    @WithDefault("true")
    boolean dedupRecoverOnStart();

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

    /**
     * How long a request may wait for a transaction to take it before it is answered with backpressure (nothing of
     * it sent).
     */
    @WithDefault("2s")
    Duration producerAcquireTimeout();

    /**
     * This replica among ingest's, in its transactional ids ({@code cairn-ingest-<instance-id>-<n>}): unset, the
     * HOSTNAME environment variable (a Kubernetes pod's name), else the machine's host name. It must differ between
     * replicas running at once (two with the same id fence each other's producers) and should stay the same when
     * one restarts, so that the restart fences its zombie and aborts the transactions it left open at once instead
     * of after the transaction timeout.
     */
    Optional<String> instanceId();

    /** Requests arriving close together share one Kafka transaction ({@link TransactionalPublisher}). */
    GroupCommitConfig groupCommit();

    interface GroupCommitConfig {

        /**
         * How long after the oldest request of a transaction others may still join it. Each request waits at most
         * this much longer for its answer; in exchange a commit (a few round trips to the transaction coordinator)
         * is paid once for every request that joined. 0 takes only the requests already waiting; at most 10s (the
         * transaction is open meanwhile, and Kafka aborts one open longer than its 30 s timeout). 0 by default:
         * requests that queue while a transaction commits share the next one, at no added latency; a 3 ms wait
         * measured no throughput gain here (at 8 batches in flight, 1.07 requests per transaction) and a worse p99.
         */
        @WithDefault("0ms")
        Duration maxWait();

        /**
         * No request joins a transaction once it holds this many records (a request is never split, so one
         * request alone may carry more: up to 2,500 events and a few records each).
         */
        @WithDefault("10000")
        int maxRecords();

        /** No request joins a transaction once it holds this many bytes of keys and values. */
        @WithDefault("16777216")
        long maxBytes();
    }

    /** Identifier links of repeat visitors ({@link RecentLinks}). */
    LinksConfig links();

    interface LinksConfig {

        /**
         * How long after publishing an identifier set's links this instance publishes no links for the same set
         * again. 0 publishes the links of every event. Within it, an operator's unmerge of those identifiers is
         * not undone by this instance seeing them together again (identity's README, <i>Known limits</i>).
         */
        @WithDefault("10m")
        Duration recentWindow();

        /** Most identifier sets remembered (about 100 bytes each); past it the cache evicts by its size policy. */
        @WithDefault("200000")
        int recentMax();
    }

    /**
     * The PII hashing key (base64, at least 16 bytes). A secret: never in contracts/. Either this, or the
     * file below.
     */
    Optional<String> piiHashingKey();

    /** File holding the base64 PII hashing key (the local stack generates one; Kubernetes mounts a Secret). */
    @WithDefault("${CAIRN_SECRETS_DIR:/var/run/secrets/cairn}/pii-hmac.key")
    String piiHashingKeyFile();
}
