package dev.cairn.segments.service;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

import dev.cairn.platform.consent.ConsentDecision;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.SubjectConsent;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.events.v1.MembershipChangeCause;
import dev.cairn.proto.events.v1.MembershipTransition;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.segments.definition.ComputedTrait;
import dev.cairn.segments.definition.Condition;
import dev.cairn.segments.definition.Scalar;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinition;

/**
 * The incremental evaluator: applies one input (a governed event, a consent state, a merge, the passing of
 * time) to one profile's state and returns the membership changes it causes. Pure and single-threaded: it
 * knows nothing of Kafka or Redis, so the property tests run it directly against the reference evaluator.
 *
 * <p>
 * Window semantics (documented in contracts/segments/README.md): time is cut into buckets (1 h by default);
 * an occurrence counts for "within W" at time {@code now} while {@code now < bucketStart(occurrence) + W}.
 * An event whose time is more than the grace before {@code now} is late: it is counted in
 * {@link ProfileState#lateEvents} and left out.
 */
public final class ProfileEngine {

    private final SegmentCatalog catalog;
    private final long bucketMs;
    private final long graceMs;
    private final ConsentPolicy consentPolicy;

    public ProfileEngine(SegmentCatalog catalog, Duration bucket, Duration grace, ConsentPolicy consentPolicy) {
        this.catalog = catalog;
        this.bucketMs = bucket.toMillis();
        this.graceMs = grace.toMillis();
        this.consentPolicy = consentPolicy;
    }

    public SegmentCatalog catalog() {
        return catalog;
    }

    /** What applying one input did. */
    public record Outcome(List<MembershipChange> changes, boolean late, Set<String> traitsChanged) {
    }

    public long bucketStart(long time) {
        return Math.floorDiv(time, bucketMs) * bucketMs;
    }

    public boolean isLate(long eventTime, long now) {
        return eventTime < now - graceMs;
    }

    public static String eventName(Event e) {
        return switch (e.getType()) {
            case EVENT_TYPE_TRACK -> e.getEvent();
            default -> "";
        };
    }

    /** Applies a governed event to its profile, as made by the event's primary identifier. */
    public Outcome onEvent(ProfileState s, Event e, long now) {
        return onEvent(s, e, primaryIdentifier(e), now);
    }

    /** The identifier events are routed by: user_id, else anonymous_id ("namespace:value"). */
    public static String primaryIdentifier(Event e) {
        return e.getUserId().isEmpty() ? "anonymous_id:" + e.getAnonymousId() : "user_id:" + e.getUserId();
    }

    /**
     * Applies a governed event to its profile; {@code identifier} is the one the event reached the profile by,
     * which keeps its contribution apart for a later split.
     */
    public Outcome onEvent(ProfileState s, Event e, String identifier, long now) {
        List<MembershipChange> changes = new ArrayList<>(expire(s, now));
        long time = millis(e.getTimestamp());
        String messageId = e.getMessageId();
        if (isLate(time, now)) {
            s.lateEvents++;
            return new Outcome(changes, true, Set.of());
        }
        Set<SegmentDefinition> affected = new LinkedHashSet<>();
        Set<String> traitsChanged = new HashSet<>();
        if (e.getType() == EventType.EVENT_TYPE_IDENTIFY || e.getType() == EventType.EVENT_TYPE_GROUP) {
            String prefix = e.getType() == EventType.EVENT_TYPE_GROUP ? "group." : "";
            Map<String, Value> fields = new TreeMap<>(e.getTraits().getFieldsMap());
            if (e.getType() == EventType.EVENT_TYPE_GROUP && !e.getGroupId().isEmpty()) {
                fields.put("id", Value.newBuilder().setStringValue(e.getGroupId()).build());
            }
            fields.forEach((name, value) -> {
                ProfileState.Stamped v = new ProfileState.Stamped(time, messageId, value.toByteArray());
                ProfileState.Part part = s.parts.computeIfAbsent(identifier, k -> new ProfileState.Part());
                if (v.isAfter(part.traits.get(prefix + name))) {
                    part.traits.put(prefix + name, v);
                }
                if (v.isAfter(s.traits.get(prefix + name))) {
                    s.traits.put(prefix + name, v);
                    traitsChanged.add(prefix + name);
                }
            });
            affected.addAll(catalog.dependingOnTraits(traitsChanged));
        }
        String name = eventName(e);
        if (!name.isEmpty()) {
            long bucket = bucketStart(time);
            if (bucket + catalogLongestWindowMs() > now) {
                ProfileState.Bucket one = new ProfileState.Bucket();
                one.count = 1;
                e.getProperties().getFieldsMap().forEach((prop, value) -> {
                    Scalar scalar = Scalar.from(value);
                    if (scalar != null && scalar.isNumber() && summable(scalar.number())) {
                        one.sums.put(prop, scalar.number().round(ProfileState.SUM_PRECISION));
                    }
                    one.last.put(prop, new ProfileState.Stamped(time, messageId, value.toByteArray()));
                });
                s.events.computeIfAbsent(name, k -> new TreeMap<>())
                        .computeIfAbsent(bucket, k -> new ProfileState.Bucket()).add(one);
                s.parts.computeIfAbsent(identifier, k -> new ProfileState.Part()).events
                        .computeIfAbsent(name, k -> new TreeMap<>())
                        .computeIfAbsent(bucket, k -> new ProfileState.Bucket()).add(one);
                affected.addAll(catalog.dependingOnEvent(name));
            }
        }
        changes.addAll(reconcile(s, affected, MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_EVENT, messageId, time,
                now));
        schedule(s, now);
        return new Outcome(changes, false, traitsChanged);
    }

    /**
     * Applies the consent of one of the profile's subject identifiers; {@code state} null means the subject
     * was erased (tombstone), which denies the whole profile every purpose. Stale states (a lower state_version)
     * are ignored.
     */
    public Outcome onConsent(ProfileState s, String subject, SubjectConsent state, long occurredAt, long now) {
        List<MembershipChange> changes = new ArrayList<>(expire(s, now));
        ProfileState.SubjectConsent before = s.consent.get(subject);
        Set<String> touched = new HashSet<>();
        if (state == null) {
            if (before != null) {
                touched.addAll(before.purposes());
            }
            // A marker, not a removal: a merge with a profile holding an older state of this subject must not
            // bring that state back.
            ProfileState.SubjectConsent tombstone = new ProfileState.SubjectConsent();
            tombstone.erased = true;
            tombstone.stateVersion = Long.MIN_VALUE;
            tombstone.arrivedAt = occurredAt;
            s.consent.put(subject, tombstone);
        } else {
            if (before != null && !before.erased && before.stateVersion > state.stateVersion()) {
                return new Outcome(changes, false, Set.of());
            }
            ProfileState.SubjectConsent now2 = new ProfileState.SubjectConsent();
            now2.stateVersion = state.stateVersion();
            now2.arrivedAt = occurredAt;
            for (SubjectConsent.PurposeChoice p : state.purposes()) {
                now2.entries.add(ProfileState.ConsentEntry.of(p));
                (p.granted() ? now2.grantedPurposes : now2.deniedPurposes).add(p.purpose());
            }
            if (before != null) {
                touched.addAll(before.purposes());
            }
            touched.addAll(now2.purposes());
            s.consent.put(subject, now2);
            s.identifiers.add(subject);
        }
        // An erased identifier denies every purpose, so a tombstone, and a state replacing one, concern them all.
        boolean all = state == null || (before != null && before.erased);
        changes.addAll(reconcile(s, all ? catalog.all() : catalog.servingPurposes(touched),
                MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_CONSENT, "", occurredAt, now));
        schedule(s, now);
        return new Outcome(changes, false, Set.of());
    }

    /** Fires due window expiries: re-evaluates the segments with windows once the timer is due. */
    public List<MembershipChange> expire(ProfileState s, long now) {
        if (s.expiryDue == 0 || s.expiryDue > now) {
            return List.of();
        }
        long due = s.expiryDue;
        prune(s, now);
        List<SegmentDefinition> windowed = catalog.all().stream().filter(d -> !d.eventConditions().isEmpty())
                .toList();
        List<MembershipChange> changes = reconcile(s, windowed, MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_EXPIRY,
                "",
                due, now);
        schedule(s, now);
        return changes;
    }

    /**
     * Merges {@code absorbed} into {@code survivor}: the absorbed profile leaves its segments (cause MERGE) and
     * the survivor, holding the combined state, is re-evaluated for every segment.
     */
    public List<MembershipChange> merge(ProfileState survivor, ProfileState absorbed, long occurredAt, long now) {
        List<MembershipChange> changes = new ArrayList<>(leaveAll(absorbed,
                MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_MERGE, occurredAt, now));
        changes.addAll(absorbInto(survivor, absorbed, occurredAt, now));
        return changes;
    }

    /**
     * The survivor's half of a merge: takes in the absorbed profile's data (whose memberships already ended)
     * and is re-evaluated for every segment.
     */
    public List<MembershipChange> absorbInto(ProfileState survivor, ProfileState absorbed, long occurredAt, long now) {
        return absorbInto(survivor, absorbed, MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_MERGE, occurredAt, now);
    }

    /** Takes in another profile's data and re-evaluates every segment, with the given cause (MERGE or SPLIT). */
    public List<MembershipChange> absorbInto(ProfileState survivor, ProfileState absorbed, MembershipChangeCause cause,
            long occurredAt, long now) {
        List<MembershipChange> changes = new ArrayList<>();
        combine(survivor, absorbed);
        changes.addAll(expire(survivor, now));
        prune(survivor, now);
        changes.addAll(reconcile(survivor, catalog.all(), cause, "", occurredAt, now));
        schedule(survivor, now);
        return changes;
    }

    /** What a split leaves: the changes of the original profile, and the state that goes to the new one. */
    public record Split(List<MembershipChange> changes, ProfileState splitOff) {
    }

    /**
     * Splits the given identifiers off {@code s} (identity unmerged them, or found them ambiguous): their traits,
     * aggregates and consent leave with them into a new state for {@code newProfileId}, the original keeps the
     * rest and is re-evaluated for every segment (cause SPLIT). Contributions made before this profile kept them
     * apart by identifier (state written by an older version) stay with the original.
     */
    public Split split(ProfileState s, Set<String> moved, String newProfileId, long occurredAt, long now) {
        List<MembershipChange> changes = new ArrayList<>(expire(s, now));
        ProfileState off = new ProfileState(newProfileId);
        for (String id : moved) {
            ProfileState.Part part = s.parts.remove(id);
            if (part != null) {
                off.parts.put(id, part);
            }
            ProfileState.SubjectConsent consent = s.consent.remove(id);
            if (consent != null) {
                off.consent.put(id, consent);
            }
            if (s.identifiers.remove(id)) {
                off.identifiers.add(id);
            }
        }
        if (s.partsComplete) {
            s.recombine();
        }
        off.recombine();
        prune(s, now);
        changes.addAll(reconcile(s, catalog.all(), MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_SPLIT, "",
                occurredAt, now));
        schedule(s, now);
        return new Split(changes, off);
    }

    /** Combines the absorbed profile's traits, aggregates, consent and identifiers into the survivor. */
    public void combine(ProfileState survivor, ProfileState absorbed) {
        survivor.identifiers.addAll(absorbed.identifiers);
        survivor.partsComplete &= absorbed.partsComplete;
        ProfileState.Part whole = new ProfileState.Part();
        whole.traits = absorbed.traits;
        whole.events = absorbed.events;
        ProfileState.addInto(survivor.traits, survivor.events, whole);
        absorbed.parts.forEach((id, part) -> {
            ProfileState.Part mine = survivor.parts.computeIfAbsent(id, k -> new ProfileState.Part());
            ProfileState.addInto(mine.traits, mine.events, part);
        });
        absorbed.consent.forEach((subject, c) -> {
            ProfileState.SubjectConsent mine = survivor.consent.get(subject);
            // Between a state and a tombstone the later arrival wins (as on one profile), the tombstone if they
            // arrived at the same instant (erasure errs on the side of forgetting); between two states, the
            // higher version.
            boolean theirs = mine == null
                    || (mine.erased || c.erased
                            ? c.arrivedAt > mine.arrivedAt || (c.arrivedAt == mine.arrivedAt && c.erased)
                            : mine.stateVersion < c.stateVersion);
            if (theirs) {
                survivor.consent.put(subject, c);
            }
        });
        survivor.lateEvents += absorbed.lateEvents;
    }

    /**
     * Re-evaluates, from stored state, the segments that are new or whose version changed since this profile
     * was last evaluated for them (cause DEFINITION_CHANGE): a changed definition backfills without a replay.
     */
    public List<MembershipChange> backfill(ProfileState s, long now) {
        if (s.mergedInto != null) {
            return List.of();
        }
        List<MembershipChange> changes = new ArrayList<>(expire(s, now));
        List<SegmentDefinition> changed = new ArrayList<>();
        for (SegmentDefinition d : catalog.all()) {
            ProfileState.MembershipRecord m = s.memberships.get(d.id());
            if (m == null || m.definitionVersion != d.version()) {
                changed.add(d);
            }
        }
        prune(s, now);
        changes.addAll(
                reconcile(s, changed, MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_DEFINITION_CHANGE, "", now, now));
        for (SegmentDefinition d : changed) {
            // Remember the version even when the answer did not change, so the next start skips it.
            s.memberships.computeIfAbsent(d.id(), k -> new ProfileState.MembershipRecord()).definitionVersion = d
                    .version();
        }
        schedule(s, now);
        return changes;
    }

    /** A fingerprint of the definitions (ids and versions): a changed one triggers a backfill at start. */
    public String catalogFingerprint() {
        StringBuilder b = new StringBuilder();
        catalog.all().forEach(d -> b.append(d.id()).append('@').append(d.version()).append(';'));
        catalog.computedTraits().forEach(t -> b.append("trait:").append(t.name()).append('@').append(t.version())
                .append(';'));
        return b.toString();
    }

    /** Every membership of the profile ends with the given cause (merge into another profile, erasure). */
    public List<MembershipChange> leaveAll(ProfileState s, MembershipChangeCause cause, long occurredAt, long now) {
        List<MembershipChange> changes = new ArrayList<>();
        s.memberships.forEach((segmentId, m) -> {
            if (m.member) {
                m.member = false;
                m.version++;
                changes.add(
                        change(s.profileId, segmentId, m, MembershipTransition.MEMBERSHIP_TRANSITION_LEFT, cause, "",
                                occurredAt, now));
            }
        });
        return changes;
    }

    /**
     * Re-evaluates the given segments and records a transition for each whose membership changed, or whose
     * definition version changed while the profile stays a member.
     */
    public List<MembershipChange> reconcile(ProfileState s, Collection<SegmentDefinition> segments,
            MembershipChangeCause cause, String messageId, long occurredAt, long now) {
        List<MembershipChange> changes = new ArrayList<>();
        for (SegmentDefinition d : segments) {
            boolean member = isMember(d, s, now);
            ProfileState.MembershipRecord m = s.memberships.get(d.id());
            boolean was = m != null && m.member;
            if (member == was) {
                if (m != null) {
                    m.definitionVersion = d.version();
                }
                continue;
            }
            if (m == null) {
                m = new ProfileState.MembershipRecord();
                s.memberships.put(d.id(), m);
            }
            m.member = member;
            m.version++;
            m.definitionVersion = d.version();
            if (member) {
                m.since = occurredAt;
            }
            changes.add(change(s.profileId, d.id(), m,
                    member
                            ? MembershipTransition.MEMBERSHIP_TRANSITION_ENTERED
                            : MembershipTransition.MEMBERSHIP_TRANSITION_LEFT,
                    cause, cause == MembershipChangeCause.MEMBERSHIP_CHANGE_CAUSE_EVENT ? messageId : "", occurredAt,
                    now));
        }
        return changes;
    }

    /** The consent gate and the condition together. */
    public boolean isMember(SegmentDefinition d, ProfileState s, long now) {
        return consentAllows(s, d.purpose()) && holds(d.condition(), s, now);
    }

    /**
     * Whether the profile's subjects allow a purpose, by {@link ConsentDecision} over the states of all its
     * subject identifiers, as ingest's gate and consent's Decide decide. Segments evaluates a profile, not an
     * event, so there is no event jurisdiction to fall back on: the deciding record's jurisdiction applies, else
     * the policy's default jurisdiction.
     */
    public boolean consentAllows(ProfileState s, String purpose) {
        List<ConsentDecision.Recorded> recorded = new ArrayList<>(s.consent.size());
        s.consent.forEach((subject, c) -> recorded.add(c.recorded(subject)));
        return ConsentDecision.decide(consentPolicy, recorded, purpose, ConsentDecision.Jurisdiction.asRecorded(null))
                .allowed();
    }

    public boolean holds(Condition c, ProfileState s, long now) {
        if (c instanceof Condition.All a) {
            return a.children().stream().allMatch(x -> holds(x, s, now));
        }
        if (c instanceof Condition.Any a) {
            return a.children().stream().anyMatch(x -> holds(x, s, now));
        }
        if (c instanceof Condition.Not n) {
            return !holds(n.child(), s, now);
        }
        if (c instanceof Condition.TraitCondition t) {
            ProfileState.Stamped v = s.traits.get(t.trait());
            return t.comparison().test(v == null ? null : Scalar.from(parse(v.value)));
        }
        Condition.EventCondition e = (Condition.EventCondition) c;
        return e.comparison().test(aggregate(e, s, now).map(v -> Scalar.from(v)).orElse(null));
    }

    /**
     * The aggregate an event condition or computed trait reads, at {@code now}: the count (an integer), the
     * exact sum (an integer, or a decimal when a summand had a fraction), or the latest value by event time;
     * empty for a last value with nothing in the window.
     */
    public java.util.Optional<Value> aggregate(Condition.EventCondition e, ProfileState s, long now) {
        TreeMap<Long, ProfileState.Bucket> buckets = s.events.getOrDefault(e.event(), new TreeMap<>());
        long from = windowStart(e.within(), now);
        Collection<ProfileState.Bucket> inWindow = buckets.tailMap(from, true).values();
        return switch (e.measure()) {
            case COUNT -> java.util.Optional.of(number(BigDecimal.valueOf(
                    inWindow.stream().mapToLong(b -> b.count).sum())));
            case SUM -> java.util.Optional.of(number(inWindow.stream()
                    .map(b -> b.sums.getOrDefault(e.property(), BigDecimal.ZERO))
                    .reduce(BigDecimal.ZERO, (a, b) -> a.add(b, ProfileState.SUM_PRECISION))));
            case LAST -> {
                ProfileState.Stamped latest = null;
                for (ProfileState.Bucket b : inWindow) {
                    ProfileState.Stamped v = b.last.get(e.property());
                    if (v != null && v.isAfter(latest)) {
                        latest = v;
                    }
                }
                yield latest == null ? java.util.Optional.empty() : java.util.Optional.of(parse(latest.value));
            }
        };
    }

    /**
     * Whether a property's number takes part in sums: not beyond 10^±10,000. Such a number is valid JSON an event
     * may carry, but summed exactly with an ordinary one it needs as many digits as the exponents are apart (a
     * profile state of millions of digits, which a fuzzed event produced), and near the int scale limits the sum
     * overflows. It is still kept as the property's last value.
     */
    static boolean summable(BigDecimal n) {
        long adjustedExponent = (long) n.precision() - n.scale() - 1;
        return Math.abs(adjustedExponent) <= 10_000;
    }

    private static Value number(BigDecimal n) {
        BigDecimal stripped = n.stripTrailingZeros();
        long integerDigits = (long) stripped.precision() - stripped.scale();
        if (stripped.scale() <= 0 && integerDigits <= 40) {
            java.math.BigInteger whole = stripped.toBigIntegerExact();
            return whole.bitLength() < 64
                    ? Value.newBuilder().setIntValue(whole.longValueExact()).build()
                    : Value.newBuilder().setBigIntegerValue(whole.toString()).build();
        }
        // Beyond 40 digits either side of the point, the plain form could be thousands of digits: scientific
        // notation is the same JSON number, written short.
        return stripped.scale() > 0 && stripped.scale() <= 40 && integerDigits <= 40
                ? Value.newBuilder().setDecimalValue(stripped.toPlainString()).build()
                : Value.newBuilder().setDecimalValue(stripped.toString()).build();
    }

    /**
     * Brings the profile's computed traits up to date at {@code now}: returns those whose value changed since
     * they were last written (empty: the trait has no value any more) and records the new values in the state.
     */
    public Map<String, java.util.Optional<Value>> recomputeTraits(ProfileState s, long now) {
        Map<String, java.util.Optional<Value>> changed = new TreeMap<>();
        for (ComputedTrait t : catalog.computedTraits()) {
            java.util.Optional<Value> value = aggregate(t.aggregate(), s, now);
            byte[] before = s.computed.get(t.name());
            byte[] after = value.map(Value::toByteArray).orElse(null);
            if (!java.util.Arrays.equals(before, after)) {
                changed.put(t.name(), value);
                if (after == null) {
                    s.computed.remove(t.name());
                } else {
                    s.computed.put(t.name(), after);
                }
            }
        }
        return changed;
    }

    /** The first bucket start inside "within W" at {@code now}: buckets b with now < b + W. */
    public long windowStart(Duration within, long now) {
        return bucketStart(now) - within.toMillis() + bucketMs;
    }

    /** Drops buckets that no window can reach any more. */
    public void prune(ProfileState s, long now) {
        long keepFrom = windowStart(catalog.longestWindow(), now);
        s.events.values().forEach(b -> b.headMap(keepFrom, false).clear());
        s.events.values().removeIf(TreeMap::isEmpty);
        for (ProfileState.Part part : s.parts.values()) {
            part.events.values().forEach(b -> b.headMap(keepFrom, false).clear());
            part.events.values().removeIf(TreeMap::isEmpty);
        }
        s.parts.values().removeIf(ProfileState.Part::isEmpty);
    }

    /** Sets the next time a bucket leaves a window some segment or computed trait reads; 0 when none will. */
    public void schedule(ProfileState s, long now) {
        long next = Long.MAX_VALUE;
        List<Condition.EventCondition> timed = new ArrayList<>();
        catalog.all().forEach(d -> timed.addAll(d.eventConditions()));
        catalog.computedTraits().forEach(t -> timed.add(t.aggregate()));
        for (Condition.EventCondition e : timed) {
            TreeMap<Long, ProfileState.Bucket> buckets = s.events.get(e.event());
            if (buckets == null) {
                continue;
            }
            // The oldest bucket still inside the window leaves it first.
            Long oldest = buckets.ceilingKey(windowStart(e.within(), now));
            if (oldest != null) {
                next = Math.min(next, oldest + e.within().toMillis());
            }
        }
        s.expiryDue = next == Long.MAX_VALUE ? 0 : next;
    }

    private long catalogLongestWindowMs() {
        return catalog.longestWindow().toMillis();
    }

    static MembershipChange change(String profileId, String segmentId, ProfileState.MembershipRecord m,
            MembershipTransition transition, MembershipChangeCause cause, String messageId, long occurredAt, long now) {
        return MembershipChange.newBuilder().setProfileId(profileId).setSegmentId(segmentId)
                .setDefinitionVersion(m.definitionVersion).setTransition(transition).setCause(cause)
                .setEventMessageId(messageId).setOccurredAt(timestamp(occurredAt)).setEvaluatedAt(timestamp(now))
                .setMembershipVersion(m.version).build();
    }

    public static long millis(Timestamp t) {
        return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
    }

    public static Timestamp timestamp(long millis) {
        return Timestamp.newBuilder().setSeconds(Math.floorDiv(millis, 1000))
                .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000).build();
    }

    public static Value parse(byte[] bytes) {
        try {
            return Value.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt stored value", e);
        }
    }
}
