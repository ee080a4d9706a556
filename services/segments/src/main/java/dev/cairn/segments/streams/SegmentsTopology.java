package dev.cairn.segments.streams;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

import dev.cairn.platform.consent.SubjectConsent;
import dev.cairn.platform.kafka.DeadLetterConfig;
import dev.cairn.platform.kafka.DeadLetterReason;
import dev.cairn.platform.kafka.StreamsDeadLetterHandler;
import dev.cairn.platform.kafka.StreamsThreadReplacement;
import dev.cairn.platform.kafka.UnprocessableRecordException;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.segments.SegmentsConfig;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.service.SegmentsMetrics;
import dev.cairn.segments.store.MembershipStore;

/**
 * The Kafka Streams topology. Two stages:
 *
 * <pre>
 * governed events ─┐                                   (by identifier)
 * identity links  ─┼─▶ repartition by identifier ─▶ IdentifierRouter ─┐
 * consent state   ─┘                                                   ├─▶ profile-commands topic ─▶ ProfileProcessor ─┬─▶ cairn.segments.changes.v1
 * identity merges / deletes (by profile) ──────────────────────────────┘            ▲                                    │
 *                                                                                   └──── state transfers of merges ─────┘
 * </pre>
 *
 * The profile stage reads the command topic it also writes to: a merge moves the absorbed profile's state
 * from its partition to the survivor's, which only a topic can do. Everything runs with exactly_once_v2, so
 * a state update, the commands it produces and the changes it publishes commit together.
 * <p>
 * A record that can never be processed is thrown as {@link UnprocessableRecordException} (or fails of itself) and
 * {@link StreamsDeadLetterHandler}, configured in application.properties, copies it to
 * {@code cairn.dead-letters.segments.v1}; the stream goes on. A dependency away fails the task instead, so that
 * exactly-once processes the record again once the stream thread is replaced.
 */
@ApplicationScoped
public class SegmentsTopology {

    /** Names the repartition topic ahead of the identifier stage ({@code <application id>-by-identifier-repartition}). */
    static final String BY_IDENTIFIER = "by-identifier";

    @Inject
    SegmentsConfig config;
    @Inject
    ProfileEngine engine;
    @Inject
    MembershipStore redis;
    @Inject
    SegmentsMetrics metrics;
    @Inject
    DeadLetterConfig deadLetterConfig;

    /**
     * A stream thread that fails (a dependency away, a dead letter Kafka did not take) is replaced after a backoff
     * and its records processed again from the last commit, rather than the whole client shut down for good.
     */
    @Produces
    @Singleton
    StreamsUncaughtExceptionHandler threadReplacement() {
        return new StreamsThreadReplacement(deadLetterConfig);
    }

    @Produces
    public Topology topology() {
        SegmentsConfig.Topics topics = config.topics();
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IdentifierRouter.STORE),
                Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProfileProcessor.STORE),
                Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProfileProcessor.TIMERS),
                Serdes.Bytes(), Serdes.ByteArray()));

        KStream<String, ProfileCommand> events = builder
                .stream(topics.governed(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("governed-events"))
                .flatMap((key, value) -> routeEvent(value), Named.as("event-to-identifier"));
        KStream<String, ProfileCommand> consent = builder
                .stream(topics.consentState(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("consent-state"))
                .flatMap((key, value) -> routeConsent(key, value), Named.as("consent-to-identifier"));
        KStream<byte[], IdentityChange> identity = builder
                .stream(topics.identityChanges(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("identity-changes"))
                .flatMapValues(SegmentsTopology::parseIdentityChange, Named.as("parse-identity-change"));
        KStream<String, ProfileCommand> links = identity.flatMap((k, c) -> identifierCommands(c),
                Named.as("identity-to-identifier"));
        KStream<String, ProfileCommand> profileDirect = identity.flatMap((k, c) -> profileCommands(c),
                Named.as("identity-to-profile"));

        Produced<String, ProfileCommand> toCommands = Produced.with(Serdes.String(), ProfileCommand.SERDE);
        events.merge(consent, Named.as("merge-consent")).merge(links, Named.as("merge-links"))
                .repartition(Repartitioned.with(Serdes.String(), ProfileCommand.SERDE).withName(BY_IDENTIFIER))
                .process(() -> new IdentifierRouter(redis, config.servingCopy()), Named.as("identifier-router"),
                        IdentifierRouter.STORE)
                .merge(profileDirect, Named.as("merge-identity-profile-commands"))
                .to(topics.profileCommands(), toCommands);

        KStream<String, ProfileProcessor.Output> outputs = builder
                .stream(topics.profileCommands(),
                        Consumed.with(Serdes.String(), ProfileCommand.SERDE).withName("profile-commands"))
                .process(() -> new ProfileProcessor(engine, redis, metrics, config.expiryCheckInterval(),
                        config.servingCopy()),
                        Named.as("profile-processor"), ProfileProcessor.STORE, ProfileProcessor.TIMERS);
        outputs.split(Named.as("output-"))
                .branch((k, o) -> o.change() != null, Branched.withConsumer(changes -> changes
                        .mapValues(o -> o.change().toByteArray(), Named.as("change-bytes"))
                        .to(topics.changes(), Produced.with(Serdes.String(), Serdes.ByteArray())), "changes"))
                .defaultBranch(Branched.withConsumer(loop -> loop
                        .mapValues(ProfileProcessor.Output::command, Named.as("loop-command"))
                        .to(topics.profileCommands(), toCommands), "loop"));
        return builder.build();
    }

    /** The primary identifier of an event, as the governed topic keys it: user_id, else anonymous_id. */
    static String primaryIdentifier(Event e) {
        if (!e.getUserId().isEmpty()) {
            return "user_id:" + e.getUserId();
        }
        if (!e.getAnonymousId().isEmpty()) {
            return "anonymous_id:" + e.getAnonymousId();
        }
        return null;
    }

    /**
     * A governed record that is not an Event, or whose time no protobuf Timestamp can hold (the engine would bucket
     * it at a wrapped-around time), can never be evaluated: it is thrown as unprocessable, and the topology's
     * {@link StreamsDeadLetterHandler} sets it aside in {@code cairn.dead-letters.segments.v1}.
     */
    static List<KeyValue<String, ProfileCommand>> routeEvent(byte[] value) {
        Event e;
        try {
            if (value == null) {
                throw new InvalidProtocolBufferException("a null value (tombstone) is not an Event");
            }
            e = Event.parseFrom(value);
        } catch (InvalidProtocolBufferException x) {
            throw new UnprocessableRecordException(DeadLetterReason.UNPARSABLE,
                    "a governed record that is not an Event",
                    x);
        }
        if (e.hasTimestamp() && !validTime(e.getTimestamp())) {
            throw new UnprocessableRecordException(DeadLetterReason.INVALID,
                    "a governed event's timestamp is out of range: " + e.getTimestamp().getSeconds() + " s");
        }
        String id = primaryIdentifier(e);
        return id == null ? List.of() : List.of(KeyValue.pair(id, ProfileCommand.event(id, value)));
    }

    /** The compacted topic's null value is an erasure (tombstone); anything else must be a ConsentState. */
    static List<KeyValue<String, ProfileCommand>> routeConsent(byte[] key, byte[] value) {
        if (key == null) {
            throw new UnprocessableRecordException(DeadLetterReason.INVALID, "a consent state without a subject key");
        }
        if (value != null) {
            try {
                SubjectConsent.parse(value);
            } catch (UncheckedIOException x) {
                throw new UnprocessableRecordException(DeadLetterReason.UNPARSABLE,
                        "a consent state that is not a ConsentState", x);
            }
        }
        String subject = new String(key, StandardCharsets.UTF_8);
        return List.of(KeyValue.pair(subject, ProfileCommand.consent(subject, value)));
    }

    static List<IdentityChange> parseIdentityChange(byte[] value) {
        IdentityChange change;
        try {
            if (value == null) {
                throw new InvalidProtocolBufferException("a null value (tombstone) is not an IdentityChange");
            }
            change = IdentityChange.parseFrom(value);
        } catch (InvalidProtocolBufferException x) {
            throw new UnprocessableRecordException(DeadLetterReason.UNPARSABLE,
                    "an identity change that is not an IdentityChange", x);
        }
        if (change.hasOccurredAt() && !validTime(change.getOccurredAt())) {
            throw new UnprocessableRecordException(DeadLetterReason.INVALID,
                    "an identity change's occurred_at is out of range: " + change.getOccurredAt().getSeconds() + " s");
        }
        return List.of(change);
    }

    /** What google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
    static boolean validTime(Timestamp t) {
        return t.getSeconds() >= -62_135_596_800L && t.getSeconds() <= 253_402_300_799L && t.getNanos() >= 0
                && t.getNanos() < 1_000_000_000;
    }

    /** Identifier-stage commands: which profile each identifier belongs to now. */
    static List<KeyValue<String, ProfileCommand>> identifierCommands(IdentityChange c) {
        List<KeyValue<String, ProfileCommand>> out = new ArrayList<>();
        long at = ProfileEngine.millis(c.getOccurredAt());
        switch (c.getKind()) {
            case IDENTITY_CHANGE_KIND_LINKED, IDENTITY_CHANGE_KIND_MERGED -> {
                for (Identifier i : c.getIdentifiersList()) {
                    out.add(KeyValue.pair(key(i), ProfileCommand.link(key(i), c.getProfileId(), at)));
                }
            }
            case IDENTITY_CHANGE_KIND_SPLIT -> {
                // Moved identifiers follow the (first) split-off profile; their state follows them (profile stage).
                if (c.getSplitProfileIdsCount() > 0) {
                    for (Identifier i : c.getIdentifiersList()) {
                        out.add(KeyValue.pair(key(i), ProfileCommand.link(key(i), c.getSplitProfileIds(0), at)));
                    }
                }
            }
            case IDENTITY_CHANGE_KIND_DELETED -> {
                for (Identifier i : c.getIdentifiersList()) {
                    out.add(KeyValue.pair(key(i), ProfileCommand.erase("identity")));
                }
            }
            default -> {
            }
        }
        return out;
    }

    /** Profile-stage commands: merges and splits move state, deletes erase it. */
    static List<KeyValue<String, ProfileCommand>> profileCommands(IdentityChange c) {
        List<KeyValue<String, ProfileCommand>> out = new ArrayList<>();
        long at = ProfileEngine.millis(c.getOccurredAt());
        switch (c.getKind()) {
            case IDENTITY_CHANGE_KIND_MERGED -> {
                for (String absorbed : c.getAbsorbedProfileIdsList()) {
                    out.add(KeyValue.pair(absorbed, ProfileCommand.absorb(c.getProfileId(), at)));
                }
            }
            case IDENTITY_CHANGE_KIND_SPLIT -> {
                if (c.getSplitProfileIdsCount() > 0) {
                    out.add(KeyValue.pair(c.getProfileId(), ProfileCommand.split(c.getSplitProfileIds(0),
                            c.getIdentifiersList().stream().map(SegmentsTopology::key).toList(), at)));
                }
            }
            case IDENTITY_CHANGE_KIND_DELETED ->
                out.add(KeyValue.pair(c.getProfileId(), ProfileCommand.erase("identity")));
            default -> {
            }
        }
        return out;
    }

    static String key(Identifier i) {
        return i.getNamespace() + ":" + i.getValue();
    }
}
