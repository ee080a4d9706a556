package dev.cairn.platform.audit;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How reads of personal data are recorded ({@link ReadAuditRecorder}). Only services that declare {@link AuditedReads}
 * record anything; the rest never start the recorder.
 */
@ConfigMapping(prefix = "cairn.read-audit")
public interface ReadAuditConfig {

    /** Record reads. On by default; off only where a deployment audits reads by other means. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Reads waiting to be sent, at most. A read that finds the buffer full is dropped and counted
     * ({@code cairn_audit_reads_dropped_total{reason="buffer_full"}}), never waited for: the RPC must not slow down
     * because Kafka does. 10,000 records of about 200 bytes are 2 MB of heap, and several seconds of this machine's
     * peak read rate, which rides out a broker's leader election.
     */
    @WithDefault("10000")
    int bufferCapacity();

    /** Records handed to the Kafka producer at a time by the recorder's one thread. */
    @WithDefault("500")
    int batchSize();

    /**
     * How long the producer may wait for Kafka when it has no room or no metadata, on the recorder's own thread
     * (never an RPC's). While it waits, new reads fill the buffer and are dropped beyond it; a send that cannot
     * complete in this time is dropped and counted as {@code send_failed}.
     */
    @WithDefault("5s")
    Duration sendTimeout();

    /**
     * The secret subjects are hashed with: the suppression key ({@code CAIRN_SUPPRESSION_KEY}), the one keyed hash
     * consent's audit trail and the suppression topic use, so that GetAuditTrail finds a read under the same hash
     * as a change. Required by a service that records reads.
     */
    Optional<String> subjectKey();
}
