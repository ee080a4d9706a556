package dev.cairn.segments.service;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.cairn.platform.consent.ConsentDecision;
import dev.cairn.platform.consent.SubjectConsent.PurposeChoice;

/**
 * Everything segments keeps about one profile, in one Kafka Streams state-store entry: traits (latest by
 * event time), time-bucketed event aggregates (count, sums and latest value per property, per hour bucket,
 * kept only as long as the longest window needs them), consent per subject identifier, and the current
 * membership of every segment with its version. Mutable on purpose: the engine updates it in place and the
 * processor writes it back in the same Streams transaction.
 */
public class ProfileState {

    /**
     * Sums are exact to 34 significant digits (IEEE decimal128), beyond every amount an event carries; unbounded,
     * one event of 1e50000 beside one of 1.5 made a sum of 50,000 digits, which the state store could not read
     * back (the task failed on it forever).
     */
    public static final java.math.MathContext SUM_PRECISION = java.math.MathContext.DECIMAL128;

    public String profileId;
    /** Identifiers ("namespace:value") known to belong to this profile. */
    public TreeSet<String> identifiers = new TreeSet<>();
    public TreeMap<String, Stamped> traits = new TreeMap<>();
    /** Event name → bucket start (epoch ms) → aggregate. */
    public TreeMap<String, TreeMap<Long, Bucket>> events = new TreeMap<>();
    /**
     * The same traits and aggregates kept apart by the identifier whose events made them ("namespace:value"),
     * so that a split can give each side what its identifiers did. {@link #traits} and {@link #events} are their
     * combination, kept up to date alongside, so that evaluation reads one map.
     */
    public TreeMap<String, Part> parts = new TreeMap<>();
    /**
     * True when every contribution is in {@link #parts}: false for state stored before parts were kept (read back
     * through the no-argument constructor), which a split then leaves whole with the original profile.
     */
    public boolean partsComplete;
    /** Computed trait name → its value as last written to Redis (protobuf Value bytes). */
    public TreeMap<String, byte[]> computed = new TreeMap<>();
    /** Subject identifier ("namespace:value") → its consent. */
    public TreeMap<String, SubjectConsent> consent = new TreeMap<>();
    public TreeMap<String, MembershipRecord> memberships = new TreeMap<>();
    /** Events that arrived later than the grace allows and were left out. */
    public long lateEvents;
    /** When the expiry timer for this profile is due (epoch ms); 0: none. */
    public long expiryDue;
    /**
     * Set when this profile was merged into another: it keeps no data, only this pointer (so that inputs still
     * in flight for it follow it to the survivor) and its membership versions (so they never go backwards).
     */
    public String mergedInto;

    public ProfileState() {
    }

    public ProfileState(String profileId) {
        this.profileId = profileId;
        this.partsComplete = true;
    }

    /** A value with the event time and message id that set it; later (time, then message id) wins. */
    public static class Stamped {
        public long time;
        public String messageId = "";
        /** The Value in protobuf binary form: kept exactly as sent. */
        public byte[] value;

        public Stamped() {
        }

        public Stamped(long time, String messageId, byte[] value) {
            this.time = time;
            this.messageId = messageId;
            this.value = value;
        }

        public boolean isAfter(Stamped other) {
            return other == null || time > other.time
                    || (time == other.time && messageId.compareTo(other.messageId) > 0);
        }
    }

    /** What one identifier's events contributed: traits and event aggregates. */
    public static class Part {
        public TreeMap<String, Stamped> traits = new TreeMap<>();
        public TreeMap<String, TreeMap<Long, Bucket>> events = new TreeMap<>();

        public boolean isEmpty() {
            return traits.isEmpty() && events.isEmpty();
        }
    }

    /** Adds a part's traits (latest wins) and aggregates into another set of traits and aggregates. */
    public static void addInto(TreeMap<String, Stamped> traits, TreeMap<String, TreeMap<Long, Bucket>> events,
            Part part) {
        part.traits.forEach((k, v) -> {
            if (v.isAfter(traits.get(k))) {
                traits.put(k, v);
            }
        });
        part.events.forEach((name, buckets) -> {
            TreeMap<Long, Bucket> into = events.computeIfAbsent(name, k -> new TreeMap<>());
            buckets.forEach((start, b) -> into.computeIfAbsent(start, k -> new Bucket()).add(b));
        });
    }

    /** Rebuilds {@link #traits} and {@link #events} from the parts (after a split took some away). */
    public void recombine() {
        traits = new TreeMap<>();
        events = new TreeMap<>();
        parts.values().forEach(p -> addInto(traits, events, p));
    }

    /** One hour (bucket) of one event name. */
    public static class Bucket {
        public long count;
        /** Numeric property → exact sum over the bucket. */
        public TreeMap<String, BigDecimal> sums = new TreeMap<>();
        /** Property → its value on the bucket's latest occurrence. */
        public TreeMap<String, Stamped> last = new TreeMap<>();

        public void add(Bucket other) {
            count += other.count;
            other.sums.forEach((k, v) -> sums.merge(k, v, (a, b) -> a.add(b, SUM_PRECISION)));
            other.last.forEach((k, v) -> {
                if (v.isAfter(last.get(k))) {
                    last.put(k, v);
                }
            });
        }
    }

    /** The consent one subject identifier of the profile has given, as consent last published it. */
    public static class SubjectConsent {
        public long stateVersion;
        /**
         * The entries of the published state (ConsentState.purposes), what {@link ConsentDecision} decides from.
         * Empty in state stored before they were kept: {@link #recorded} then reads the two sets below.
         */
        public List<ConsentEntry> entries = new ArrayList<>();
        /**
         * Purposes with a non-GRANTED entry. Still written beside {@link #entries}: they say which segments a
         * change touches, and a version rolled back to (which knows only these sets) keeps denying them.
         */
        public TreeSet<String> deniedPurposes = new TreeSet<>();
        /** Purposes with a GRANTED entry (as consent derived them for the profile). */
        public TreeSet<String> grantedPurposes = new TreeSet<>();
        /** When this state (or tombstone) arrived: on a merge, a later tombstone must beat an earlier state. */
        public long arrivedAt;
        /** A tombstone: the subject was erased. Kept (instead of forgetting the subject) for merges. */
        public boolean erased;

        /** Every purpose this state says something about. */
        public Set<String> purposes() {
            Set<String> all = new TreeSet<>(deniedPurposes);
            all.addAll(grantedPurposes);
            return all;
        }

        /** What is recorded for the identifier, as the consent decision takes it. */
        public ConsentDecision.Recorded recorded(String subject) {
            if (erased) {
                return ConsentDecision.Recorded.erased(subject);
            }
            List<PurposeChoice> choices = new ArrayList<>();
            if (entries.isEmpty()) {
                // State stored before entries were kept: explicit choices without a time or jurisdiction, so a
                // denial on any identifier still wins (a withdrawal wins a tie) and the default jurisdiction applies.
                deniedPurposes.forEach(p -> choices.add(ConsentEntry.legacy(p, false).choice()));
                grantedPurposes.forEach(p -> choices.add(ConsentEntry.legacy(p, true).choice()));
            } else {
                entries.forEach(e -> choices.add(e.choice()));
            }
            return new ConsentDecision.Recorded(subject, false, choices);
        }
    }

    /** One entry of a published consent state: the fields the consent decision reads. */
    public static class ConsentEntry {
        public String purpose = "";
        public String jurisdiction = "";
        /** True only for status GRANTED. */
        public boolean granted;
        /** The cairn.events.v1.ConsentReason number: only EXPLICIT_CHOICE entries are choices. */
        public int reason;
        /** When the subject chose (ISO-8601 instant); null if the entry does not say. */
        public String recordedAt;
        public String recordId = "";

        public static ConsentEntry of(PurposeChoice c) {
            ConsentEntry e = new ConsentEntry();
            e.purpose = c.purpose();
            e.jurisdiction = c.jurisdiction();
            e.granted = c.granted();
            e.reason = c.reasonNumber();
            e.recordedAt = c.recordedAt().map(Instant::toString).orElse(null);
            e.recordId = c.recordId();
            return e;
        }

        static ConsentEntry legacy(String purpose, boolean granted) {
            ConsentEntry e = new ConsentEntry();
            e.purpose = purpose;
            e.granted = granted;
            e.reason = ConsentDecision.Reason.EXPLICIT_CHOICE.number();
            return e;
        }

        public PurposeChoice choice() {
            return new PurposeChoice(purpose, jurisdiction, granted, reason, "",
                    Optional.ofNullable(recordedAt).map(Instant::parse), recordId, "");
        }
    }

    /** The current state of one (profile, segment) membership. */
    public static class MembershipRecord {
        public boolean member;
        public long since;
        public long definitionVersion;
        public long version;
    }

    public boolean isEmpty() {
        return traits.isEmpty() && events.isEmpty() && consent.isEmpty()
                && memberships.values().stream().noneMatch(m -> m.member);
    }

    public Map<String, MembershipRecord> currentMemberships() {
        Map<String, MembershipRecord> out = new TreeMap<>();
        memberships.forEach((k, v) -> {
            if (v.member) {
                out.put(k, v);
            }
        });
        return out;
    }
}
