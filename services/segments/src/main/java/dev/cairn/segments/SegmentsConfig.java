package dev.cairn.segments;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Segments' own settings, under {@code cairn.segments}. */
@ConfigMapping(prefix = "cairn.segments")
public interface SegmentsConfig {

    /**
     * The aggregation bucket: event aggregates are kept per bucket, so windows are whole buckets and a profile
     * leaves a window at a bucket boundary. 1 h keeps a 90-day window at 2,160 buckets per event name at most.
     */
    @WithDefault("1h")
    Duration bucket();

    /**
     * How late (behind the evaluator's clock) an event may arrive and still land in its window. Later events are
     * counted (segments.events.late) and left out, so that memberships already published are not rewritten
     * arbitrarily far back.
     */
    @WithDefault("1h")
    Duration grace();

    /** How often the expiry punctuator looks for profiles whose windows moved on (wall-clock time). */
    @WithDefault("30s")
    Duration expiryCheckInterval();

    /** How often gauges read from Redis (memberships per segment) are refreshed. */
    @WithDefault("30s")
    Duration gaugeRefreshInterval();

    /**
     * A segment definitions file to use instead of contracts/segments/segments.yaml (tests use one with
     * second-scale windows). Unset: the contracts' file.
     */
    java.util.Optional<String> definitionsFile();

    Topics topics();

    /** Keeping the serving copy in Redis whole when Redis loses it (restart without persistence, failover, flush). */
    ServingCopy servingCopy();

    interface ServingCopy {
        /**
         * How often each Streams task checks that Redis still holds its part (one EXISTS per task, on the stream
         * thread). A flush of Redis is noticed within this time; readers refuse from the flush on anyway, so this
         * bounds how long they refuse, not whether they answer wrong.
         */
        @WithDefault("1s")
        Duration checkInterval();

        /**
         * How long the stream thread rewrites at a stretch before it goes back to processing records (a rewrite of a
         * large store takes many stretches). Short enough that a rewrite never holds the thread near the poll and
         * transaction timeouts; the thread comes back to the rewrite 10 ms after a stretch.
         */
        @WithDefault("200ms")
        Duration rewriteSlice();

        /**
         * Store entries written to Redis per pipeline during a rewrite (a profile is about two commands per segment it
         * has a membership record of, plus its traits): few round trips, and a pipeline small enough that Redis serves
         * other clients between them.
         */
        @WithDefault("256")
        int rewriteBatch();
    }

    interface Topics {
        /** Governed events (input). */
        @WithDefault("cairn.events.governed.v1")
        String governed();

        /** Identity changes (input). */
        @WithDefault("cairn.identity.changes.v1")
        String identityChanges();

        /** Consent state, compacted (input). */
        @WithDefault("cairn.consent.state.v1")
        String consentState();

        /** Membership changes (output). */
        @WithDefault("cairn.segments.changes.v1")
        String changes();

        /**
         * Segments' own command topic, keyed by profile id: events and consent routed to their profile, state
         * transferred on a merge, erasures. It feeds back into the topology (a merge moves state from one profile's
         * partition to another's), which Streams' internal repartition topics cannot do, so segments creates it at
         * start like the catalogue's topics.
         */
        @WithDefault("cairn.segments.profile-commands.v1")
        String profileCommands();

        /** Partitions of the command topic; like the input topics (6 in the catalogue). */
        @WithDefault("6")
        int profileCommandsPartitions();
    }
}
