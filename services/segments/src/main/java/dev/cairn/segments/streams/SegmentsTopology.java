package dev.cairn.segments.streams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

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
 */
@ApplicationScoped
public class SegmentsTopology {

    private static final Logger LOG = Logger.getLogger(SegmentsTopology.class);

    @Inject
    SegmentsConfig config;
    @Inject
    ProfileEngine engine;
    @Inject
    MembershipStore redis;
    @Inject
    SegmentsMetrics metrics;

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
                .flatMap((key, value) -> key == null
                        ? List.of()
                        : List.of(KeyValue.pair(new String(key, StandardCharsets.UTF_8),
                                ProfileCommand.consent(new String(key, StandardCharsets.UTF_8), value))),
                        Named.as("consent-to-identifier"));
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
                .repartition(Repartitioned.with(Serdes.String(), ProfileCommand.SERDE).withName("by-identifier"))
                .process(() -> new IdentifierRouter(redis), Named.as("identifier-router"), IdentifierRouter.STORE)
                .merge(profileDirect, Named.as("merge-identity-profile-commands"))
                .to(topics.profileCommands(), toCommands);

        KStream<String, ProfileProcessor.Output> outputs = builder
                .stream(topics.profileCommands(),
                        Consumed.with(Serdes.String(), ProfileCommand.SERDE).withName("profile-commands"))
                .process(() -> new ProfileProcessor(engine, redis, metrics, config.expiryCheckInterval()),
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

    private static List<KeyValue<String, ProfileCommand>> routeEvent(byte[] value) {
        try {
            Event e = Event.parseFrom(value);
            String id = primaryIdentifier(e);
            return id == null ? List.of() : List.of(KeyValue.pair(id, ProfileCommand.event(id, value)));
        } catch (InvalidProtocolBufferException | NullPointerException e) {
            LOG.warnf("skipping a governed record that is not an Event: %s", e.getMessage());
            return List.of();
        }
    }

    private static List<IdentityChange> parseIdentityChange(byte[] value) {
        try {
            return value == null ? List.of() : List.of(IdentityChange.parseFrom(value));
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("skipping an identity change that does not parse: %s", e.getMessage());
            return List.of();
        }
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
