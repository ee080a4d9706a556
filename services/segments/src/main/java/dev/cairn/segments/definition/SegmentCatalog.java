package dev.cairn.segments.definition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import dev.cairn.platform.consent.ConsentPolicy;

/**
 * The loaded segment definitions, indexed so that an input re-evaluates only the segments that depend on
 * it: by event name, by trait and by consent purpose.
 */
public final class SegmentCatalog {

    private final Map<String, SegmentDefinition> byId = new LinkedHashMap<>();
    private final Map<String, List<SegmentDefinition>> byEvent = new HashMap<>();
    private final Map<String, List<SegmentDefinition>> byTrait = new HashMap<>();
    private final Map<String, List<SegmentDefinition>> byPurpose = new HashMap<>();
    private final List<ComputedTrait> computedTraits;
    private final Duration longestWindow;

    public SegmentCatalog(List<SegmentDefinition> definitions) {
        this(definitions, List.of());
    }

    public SegmentCatalog(List<SegmentDefinition> definitions, List<ComputedTrait> computedTraits) {
        this.computedTraits = List.copyOf(computedTraits);
        Duration longest = Duration.ZERO;
        for (ComputedTrait t : computedTraits) {
            if (t.aggregate().within().compareTo(longest) > 0) {
                longest = t.aggregate().within();
            }
        }
        for (SegmentDefinition d : definitions) {
            byId.put(d.id(), d);
            byPurpose.computeIfAbsent(d.purpose(), k -> new ArrayList<>()).add(d);
            for (Condition.EventCondition e : d.eventConditions()) {
                List<SegmentDefinition> list = byEvent.computeIfAbsent(e.event(), k -> new ArrayList<>());
                if (!list.contains(d)) {
                    list.add(d);
                }
                if (e.within().compareTo(longest) > 0) {
                    longest = e.within();
                }
            }
            for (String t : d.traits()) {
                byTrait.computeIfAbsent(t, k -> new ArrayList<>()).add(d);
            }
        }
        this.longestWindow = longest;
    }

    public Collection<SegmentDefinition> all() {
        return byId.values();
    }

    public Optional<SegmentDefinition> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public List<SegmentDefinition> dependingOnEvent(String event) {
        return byEvent.getOrDefault(event, List.of());
    }

    public List<SegmentDefinition> dependingOnTraits(Set<String> traits) {
        List<SegmentDefinition> out = new ArrayList<>();
        for (String t : traits) {
            for (SegmentDefinition d : byTrait.getOrDefault(t, List.of())) {
                if (!out.contains(d)) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    public List<SegmentDefinition> servingPurposes(Set<String> purposes) {
        List<SegmentDefinition> out = new ArrayList<>();
        for (String p : purposes) {
            out.addAll(byPurpose.getOrDefault(p, List.of()));
        }
        return out;
    }

    /** The computed traits, in file order. */
    public List<ComputedTrait> computedTraits() {
        return computedTraits;
    }

    /** The longest window of any definition or computed trait: how long aggregates must be kept. */
    public Duration longestWindow() {
        return longestWindow;
    }

    /**
     * Every definition whose purpose the consent policy does not know, as messages naming the segment: such a
     * segment could never be gated correctly, so the service refuses to start with it.
     */
    public List<String> purposesUnknownTo(ConsentPolicy policy) {
        List<String> problems = new ArrayList<>();
        for (SegmentDefinition d : all()) {
            if (!policy.isPurpose(d.purpose())) {
                problems.add("segment '" + d.id() + "': purpose '" + d.purpose()
                        + "' is not in the consent policy (contracts/consent/policy.yaml); known purposes: "
                        + new TreeSet<>(policy.purposes()));
            }
        }
        return problems;
    }

    /**
     * Every segment and computed trait that counts an event the tracking plan does not list. Events reach segments
     * under their tracking-plan name ("Order Completed"); a condition naming another ("order_completed") is never
     * true, and nothing would say so.
     */
    public List<String> eventsUnknownTo(Set<String> plannedEvents) {
        List<String> problems = new ArrayList<>();
        for (SegmentDefinition d : all()) {
            for (Condition.EventCondition e : d.eventConditions()) {
                if (!plannedEvents.contains(e.event())) {
                    problems.add("segment '" + d.id() + "': event '" + e.event()
                            + "' is not in the tracking plan (contracts/tracking-plan/plan.yaml); planned events: "
                            + new TreeSet<>(plannedEvents));
                }
            }
        }
        for (ComputedTrait t : computedTraits) {
            if (!plannedEvents.contains(t.aggregate().event())) {
                problems.add("computed trait '" + t.name() + "': event '" + t.aggregate().event()
                        + "' is not in the tracking plan (contracts/tracking-plan/plan.yaml); planned events: "
                        + new TreeSet<>(plannedEvents));
            }
        }
        return problems;
    }
}
