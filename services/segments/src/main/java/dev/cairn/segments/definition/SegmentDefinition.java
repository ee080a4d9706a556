package dev.cairn.segments.definition;

import java.util.HashSet;
import java.util.Set;

/** One audience from contracts/segments/: its id, version, the consent purpose it serves and its condition. */
public record SegmentDefinition(String id, long version, String purpose, String description, Condition condition) {

    public Set<Condition.EventCondition> eventConditions() {
        Set<Condition.EventCondition> events = new HashSet<>();
        condition.collectEvents(events);
        return events;
    }

    public Set<String> traits() {
        Set<String> traits = new HashSet<>();
        condition.collectTraits(traits);
        return traits;
    }
}
