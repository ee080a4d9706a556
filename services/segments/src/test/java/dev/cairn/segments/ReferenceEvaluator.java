package dev.cairn.segments;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.cairn.platform.consent.ConsentDecision;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.SubjectConsent;
import dev.cairn.proto.events.v1.ConsentState;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.PurposeConsent;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.segments.definition.Condition;
import dev.cairn.segments.definition.Scalar;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinition;
import dev.cairn.segments.service.ProfileEngine;

/**
 * The obviously-correct evaluator the property tests hold the incremental engine to: it keeps the full
 * history of what arrived (and when), and answers membership at a time by reading all of it, with no
 * buckets, no pruning, no timers, no incremental state.
 */
final class ReferenceEvaluator {

    /** One input as it arrived: an event, or a subject's consent state (null state: erased). */
    record Arrival(long at, Event event, String subject, ConsentState consent) {
    }

    private final SegmentCatalog catalog;
    private final long bucketMs;
    private final long graceMs;
    private final ConsentPolicy consentPolicy;
    private final List<Arrival> history = new ArrayList<>();

    ReferenceEvaluator(SegmentCatalog catalog, Duration bucket, Duration grace, ConsentPolicy consentPolicy) {
        this.catalog = catalog;
        this.bucketMs = bucket.toMillis();
        this.graceMs = grace.toMillis();
        this.consentPolicy = consentPolicy;
    }

    void add(Arrival a) {
        history.add(a);
    }

    Map<String, Boolean> memberships(long now) {
        Map<String, Boolean> out = new TreeMap<>();
        for (SegmentDefinition d : catalog.all()) {
            out.put(d.id(), isMember(d, now));
        }
        return out;
    }

    boolean isMember(SegmentDefinition d, long now) {
        return consentAllows(d.purpose(), now) && holds(d.condition(), now);
    }

    /** An event counts if it arrived by {@code now} and was not later than the grace when it arrived. */
    private List<Event> accepted(long now) {
        List<Event> out = new ArrayList<>();
        for (Arrival a : history) {
            if (a.event() != null && a.at() <= now
                    && ProfileEngine.millis(a.event().getTimestamp()) >= a.at() - graceMs) {
                out.add(a.event());
            }
        }
        return out;
    }

    /**
     * Each subject's latest state as it arrived (a stale version ignored, a tombstone: erased until a state comes
     * again), decided by the one consent decision straight from the protobuf states.
     */
    private boolean consentAllows(String purpose, long now) {
        Map<String, Optional<ConsentState>> bySubject = new HashMap<>();
        for (Arrival a : history) {
            if (a.subject() == null || a.at() > now) {
                continue;
            }
            Optional<ConsentState> before = bySubject.getOrDefault(a.subject(), Optional.empty());
            if (a.consent() == null) {
                bySubject.put(a.subject(), Optional.empty());
            } else if (before.isEmpty() || before.get().getStateVersion() <= a.consent().getStateVersion()) {
                bySubject.put(a.subject(), Optional.of(a.consent()));
            }
        }
        List<ConsentDecision.Recorded> recorded = new ArrayList<>();
        bySubject.forEach((subject, state) -> recorded.add(state.isEmpty()
                ? ConsentDecision.Recorded.erased(subject)
                : new ConsentDecision.Recorded(subject, false,
                        state.get().getPurposesList().stream().map(ReferenceEvaluator::entry).toList())));
        return ConsentDecision.decide(consentPolicy, recorded, purpose, ConsentDecision.Jurisdiction.asRecorded(""))
                .allowed();
    }

    private static SubjectConsent.PurposeChoice entry(PurposeConsent p) {
        return new SubjectConsent.PurposeChoice(p.getPurpose(), p.getJurisdiction(),
                p.getStatus() == ConsentStatus.CONSENT_STATUS_GRANTED, p.getReasonValue(), p.getPolicyVersion(),
                p.hasRecordedAt()
                        ? Optional
                                .of(Instant.ofEpochSecond(p.getRecordedAt().getSeconds(), p.getRecordedAt().getNanos()))
                        : Optional.empty(),
                p.getRecordId(), "");
    }

    private boolean holds(Condition c, long now) {
        if (c instanceof Condition.All a) {
            return a.children().stream().allMatch(x -> holds(x, now));
        }
        if (c instanceof Condition.Any a) {
            return a.children().stream().anyMatch(x -> holds(x, now));
        }
        if (c instanceof Condition.Not n) {
            return !holds(n.child(), now);
        }
        if (c instanceof Condition.TraitCondition t) {
            return t.comparison().test(trait(t.trait(), now));
        }
        Condition.EventCondition e = (Condition.EventCondition) c;
        List<Event> inWindow = new ArrayList<>();
        for (Event ev : accepted(now)) {
            long time = ProfileEngine.millis(ev.getTimestamp());
            long bucket = Math.floorDiv(time, bucketMs) * bucketMs;
            if (ev.getType() == EventType.EVENT_TYPE_TRACK && ev.getEvent().equals(e.event())
                    && now < bucket + e.within().toMillis()) {
                inWindow.add(ev);
            }
        }
        switch (e.measure()) {
            case COUNT :
                return e.comparison().test(Scalar.of(BigDecimal.valueOf(inWindow.size())));
            case SUM : {
                BigDecimal sum = BigDecimal.ZERO;
                for (Event ev : inWindow) {
                    Scalar v = Scalar.from(ev.getProperties().getFieldsMap().get(e.property()));
                    if (v != null && v.isNumber()) {
                        sum = sum.add(v.number());
                    }
                }
                return e.comparison().test(Scalar.of(sum));
            }
            default : {
                Event latest = null;
                for (Event ev : inWindow) {
                    if (ev.getProperties().getFieldsMap().containsKey(e.property()) && later(ev, latest)) {
                        latest = ev;
                    }
                }
                return e.comparison().test(latest == null
                        ? null
                        : Scalar.from(latest.getProperties().getFieldsMap().get(e.property())));
            }
        }
    }

    private Scalar trait(String name, long now) {
        Event latest = null;
        for (Event ev : accepted(now)) {
            if (ev.getType() == EventType.EVENT_TYPE_IDENTIFY && ev.getTraits().getFieldsMap().containsKey(name)
                    && later(ev, latest)) {
                latest = ev;
            }
        }
        if (latest == null) {
            return null;
        }
        Value v = latest.getTraits().getFieldsMap().get(name);
        return Scalar.from(v);
    }

    private static boolean later(Event a, Event b) {
        if (b == null) {
            return true;
        }
        long ta = ProfileEngine.millis(a.getTimestamp());
        long tb = ProfileEngine.millis(b.getTimestamp());
        return ta > tb || (ta == tb && a.getMessageId().compareTo(b.getMessageId()) > 0);
    }
}
