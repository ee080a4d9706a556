package dev.cairn.segments.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.cairn.platform.consent.SubjectConsent;
import dev.cairn.platform.kafka.DeadLetterReason;
import dev.cairn.platform.kafka.UnprocessableRecordException;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipChangeCause;
import dev.cairn.segments.SegmentsConfig;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.service.ProfileState;
import dev.cairn.segments.service.ProfileStateCodec;
import dev.cairn.segments.service.SegmentsMetrics;
import dev.cairn.segments.store.MembershipStore;

/**
 * The profile stage, keyed by profile id: holds each profile's state in a Streams store, applies commands
 * through the {@link ProfileEngine}, writes memberships and traits to Redis (versioned, idempotent) and
 * forwards the membership changes (and state transfers of merges) within the Streams transaction. A
 * wall-clock punctuator fires window expiries from a timer index ordered by due time, so only due profiles
 * are read.
 */
final class ProfileProcessor implements Processor<String, ProfileCommand, String, ProfileProcessor.Output> {

    static final String STORE = "profiles";
    static final String TIMERS = "expiry-timers";
    private static final Logger LOG = Logger.getLogger(ProfileProcessor.class);

    /** A membership change for the changes topic, or a command that goes back to the command topic. */
    record Output(MembershipChange change, ProfileCommand command) {
    }

    private final ProfileEngine engine;
    private final MembershipStore redis;
    private final SegmentsMetrics metrics;
    private final Duration expiryCheckInterval;
    private final ServingCopyRewrite<byte[]> servingCopy;
    private ProcessorContext<String, Output> context;
    private KeyValueStore<String, byte[]> profiles;
    private KeyValueStore<Bytes, byte[]> timers;

    ProfileProcessor(ProfileEngine engine, MembershipStore redis, SegmentsMetrics metrics,
            Duration expiryCheckInterval, SegmentsConfig.ServingCopy servingCopy) {
        this.engine = engine;
        this.redis = redis;
        this.metrics = metrics;
        this.expiryCheckInterval = expiryCheckInterval;
        // Read-only on the store: what Redis lost is written again as the store has it now, nothing re-evaluated.
        this.servingCopy = new ServingCopyRewrite<>(STORE, redis, servingCopy,
                stored -> {
                    Map<String, ProfileState> states = new LinkedHashMap<>();
                    stored.forEach((profileId, bytes) -> states.put(profileId, ProfileStateCodec.decode(bytes)));
                    redis.restoreProfiles(states, context.currentSystemTimeMs());
                });
    }

    @Override
    public void init(ProcessorContext<String, Output> context) {
        this.context = context;
        this.profiles = context.getStateStore(STORE);
        this.timers = context.getStateStore(TIMERS);
        context.schedule(expiryCheckInterval, PunctuationType.WALL_CLOCK_TIME, this::fireExpiries);
        servingCopy.init(context, profiles);
        // Once, soon after the task starts: backfill changed definitions from stored state.
        Cancellable[] once = new Cancellable[1];
        once[0] = context.schedule(Duration.ofMillis(100), PunctuationType.WALL_CLOCK_TIME, now -> {
            once[0].cancel();
            backfillIfDefinitionsChanged(now);
        });
    }

    /** The definitions fingerprint lives in the timer store under a key no timer can have (due time -1). */
    private void backfillIfDefinitionsChanged(long now) {
        Bytes key = timerKey(-1, "definitions");
        String fingerprint = engine.catalogFingerprint();
        byte[] stored = timers.get(key);
        if (stored != null && new String(stored, StandardCharsets.UTF_8).equals(fingerprint)) {
            return;
        }
        List<KeyValue<String, byte[]>> all = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = profiles.all()) {
            it.forEachRemaining(all::add);
        }
        for (KeyValue<String, byte[]> kv : all) {
            ProfileState s = ProfileStateCodec.decode(kv.value);
            long dueBefore = s.expiryDue;
            publish(s, engine.backfill(s, now), -1, now);
            if (s.mergedInto == null) {
                redis.writeComputedTraits(kv.key, engine.recomputeTraits(s, now), now);
                engine.schedule(s, now);
            }
            profiles.put(kv.key, ProfileStateCodec.encode(s));
            retime(kv.key, dueBefore, s.mergedInto != null ? 0 : s.expiryDue);
        }
        timers.put(key, fingerprint.getBytes(StandardCharsets.UTF_8));
        LOG.infof("definitions changed: backfilled %d profiles from stored state", all.size());
    }

    @Override
    public void process(Record<String, ProfileCommand> record) {
        String profileId = record.key();
        ProfileCommand cmd = record.value();
        long now = context.currentSystemTimeMs();
        byte[] stored = profiles.get(profileId);
        ProfileState s = stored == null ? null : ProfileStateCodec.decode(stored);
        long dueBefore = s == null ? 0 : s.expiryDue;
        boolean splitBack = cmd.kind() == ProfileCommand.Kind.TRANSFER
                && ProfileCommand.SPLIT_TRANSFER.equals(cmd.identifier());
        if (s != null && s.mergedInto != null && splitBack) {
            // An unmerge gave a merged-away profile its identifiers back (identity restores the original id):
            // it exists again, from what the split hands it; its membership versions go on from the stub's.
            s.mergedInto = null;
            redis.revive(profileId);
        }
        if (s != null && s.mergedInto != null && cmd.kind() != ProfileCommand.Kind.ERASE
                && cmd.kind() != ProfileCommand.Kind.ABSORB) {
            // Still in flight for a profile that no longer exists: follow it to the survivor.
            context.forward(new Record<>(s.mergedInto, new Output(null, cmd), record.timestamp()));
            return;
        }
        switch (cmd.kind()) {
            case EVENT -> {
                Event e = parse(cmd.payload());
                s = s != null ? s : new ProfileState(profileId);
                s.identifiers.add(cmd.identifier());
                ProfileEngine.Outcome o = engine.onEvent(s, e, cmd.identifier(), now);
                if (o.late()) {
                    metrics.lateEvent();
                }
                Map<String, ProfileState.Stamped> traits = new HashMap<>();
                for (String t : o.traitsChanged()) {
                    traits.put(t, s.traits.get(t));
                }
                redis.writeTraits(profileId, traits);
                publish(s, o.changes(), ProfileEngine.millis(e.getTimestamp()), record.timestamp());
            }
            case CONSENT -> {
                s = s != null ? s : new ProfileState(profileId);
                SubjectConsent state = cmd.payload() == null ? null : parseConsent(cmd.payload());
                publish(s, engine.onConsent(s, cmd.identifier(), state, now, now).changes(), -1, record.timestamp());
            }
            case ABSORB -> {
                if (cmd.profileId().equals(profileId) || (s != null && s.mergedInto != null)) {
                    return;
                }
                if (s == null) {
                    if (!cmd.identifier().isEmpty()) {
                        return; // a provisional profile that never received anything
                    }
                    // Identity's merge can overtake the absorbed profile's own inputs (they take a longer path):
                    // leave the pointer so that they follow.
                    s = new ProfileState(profileId);
                }
                // Before the state leaves: once the survivor shows the merge, reads landing here are sent on to it.
                redis.forward(profileId, cmd.profileId());
                publish(s,
                        engine.leaveAll(s, MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_MERGE, cmd.occurredAt(), now),
                        -1, record.timestamp());
                context.forward(new Record<>(cmd.profileId(),
                        new Output(null,
                                ProfileCommand.transfer(profileId, ProfileStateCodec.encode(s), cmd.occurredAt())),
                        record.timestamp()));
                redis.dropTraits(profileId);
                ProfileState stub = new ProfileState(profileId);
                stub.mergedInto = cmd.profileId();
                stub.memberships = s.memberships;
                s = stub;
            }
            case TRANSFER -> {
                ProfileState absorbed = ProfileStateCodec.decode(cmd.payload());
                s = s != null ? s : new ProfileState(profileId);
                List<MembershipChange> changes = engine.absorbInto(s, absorbed,
                        ProfileCommand.SPLIT_TRANSFER.equals(cmd.identifier())
                                ? MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_SPLIT
                                : MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_MERGE,
                        cmd.occurredAt(), now);
                // Identifier → profile mappings in Redis are written by the identifier stage only, in identity's order.
                redis.writeTraits(profileId, s.traits);
                publish(s, changes, -1, record.timestamp());
            }
            case SPLIT -> {
                if (s == null) {
                    return; // nothing was ever counted for the profile
                }
                Set<String> moved = Set.of(new String(cmd.payload(), StandardCharsets.UTF_8).split("\n"));
                ProfileEngine.Split split = engine.split(s, moved, cmd.profileId(), cmd.occurredAt(), now);
                redis.replaceTraits(profileId, s.traits);
                publish(s, split.changes(), -1, record.timestamp());
                context.forward(new Record<>(cmd.profileId(), new Output(null, ProfileCommand
                        .splitTransfer(profileId, ProfileStateCodec.encode(split.splitOff()), cmd.occurredAt())),
                        record.timestamp()));
            }
            case ERASE -> {
                // Even without state: identity may have linked identifiers to the profile that never sent an event.
                if (s != null) {
                    publish(s, engine.leaveAll(s, MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_ERASURE, now, now),
                            -1, record.timestamp());
                    profiles.delete(profileId);
                    retime(profileId, dueBefore, 0);
                }
                redis.eraseProfile(profileId, s == null ? Set.of() : s.identifiers);
                return;
            }
            default -> throw new IllegalStateException("not a profile command: " + cmd.kind());
        }
        if (s.mergedInto == null && cmd.kind() != ProfileCommand.Kind.CONSENT) {
            // Computed traits follow the aggregates: an event, or the absorbed profile's events on a merge.
            redis.writeComputedTraits(profileId, engine.recomputeTraits(s, now), now);
        }
        profiles.put(profileId, ProfileStateCodec.encode(s));
        retime(profileId, dueBefore, s.mergedInto != null ? 0 : s.expiryDue);
    }

    /** Writes each change to Redis, then forwards it to the changes topic (same order, same version). */
    private void publish(ProfileState s, List<MembershipChange> changes, long eventTime, long timestamp) {
        for (MembershipChange c : changes) {
            ProfileState.MembershipRecord m = s.memberships.get(c.getSegmentId());
            redis.apply(c, m == null ? 0 : m.since);
            long visible = System.currentTimeMillis();
            if (eventTime >= 0) {
                metrics.membershipVisible(c, eventTime, visible);
            }
            metrics.changed(c);
            context.forward(new Record<>(c.getProfileId(), new Output(c, null), timestamp));
        }
    }

    private void fireExpiries(long now) {
        List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = timers.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                long dueAt = ByteBuffer.wrap(kv.key.get()).getLong();
                if (dueAt < 0 || dueAt > now) {
                    break;
                }
                due.add(kv);
            }
        }
        LOG.debugf("expiry check at %d: %d profiles due", now, due.size());
        for (KeyValue<Bytes, byte[]> kv : due) {
            timers.delete(kv.key);
            String profileId = new String(kv.key.get(), 8, kv.key.get().length - 8, StandardCharsets.UTF_8);
            byte[] stored = profiles.get(profileId);
            if (stored == null) {
                continue;
            }
            ProfileState s = ProfileStateCodec.decode(stored);
            List<MembershipChange> changes = engine.expire(s, now);
            publish(s, changes, -1, now);
            // A window moved on: counts and sums of computed traits fall without any new event.
            redis.writeComputedTraits(profileId, engine.recomputeTraits(s, now), now);
            profiles.put(profileId, ProfileStateCodec.encode(s));
            if (s.expiryDue != 0) {
                timers.put(timerKey(s.expiryDue, profileId), new byte[0]);
            }
        }
        metrics.profilesInState(profiles.approximateNumEntries());
    }

    private void retime(String profileId, long before, long after) {
        if (before == after) {
            return;
        }
        if (before != 0) {
            timers.delete(timerKey(before, profileId));
        }
        if (after != 0) {
            timers.put(timerKey(after, profileId), new byte[0]);
        }
    }

    /** Due time first (big-endian, so the store's byte order is time order), then the profile id. */
    static Bytes timerKey(long due, String profileId) {
        byte[] id = profileId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + id.length).putLong(due).put(id).array());
    }

    /**
     * The identifier stage passed only parsable events and states on; a command that still does not parse was
     * written to the command topic by something else, and is dead-lettered (a thrown IllegalStateException used to
     * kill the stream thread, and with it all processing).
     */
    private static Event parse(byte[] bytes) {
        try {
            if (bytes == null) {
                throw new InvalidProtocolBufferException("an event command without an event");
            }
            return Event.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new UnprocessableRecordException(DeadLetterReason.UNPARSABLE, "a governed event that is not an Event",
                    e);
        }
    }

    /**
     * Decoded as ingest's and consent's view decode it, so all three decide from the same entries. Unparsable is
     * not taken for a tombstone (which would erase the subject): it is dead-lettered.
     */
    private static SubjectConsent parseConsent(byte[] bytes) {
        try {
            return SubjectConsent.parse(bytes);
        } catch (java.io.UncheckedIOException e) {
            throw new UnprocessableRecordException(DeadLetterReason.UNPARSABLE,
                    "a consent state that is not a ConsentState", e);
        }
    }
}
