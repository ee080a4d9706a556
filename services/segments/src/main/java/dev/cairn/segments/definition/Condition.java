package dev.cairn.segments.definition;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A segment's condition: a tree of boolean combinations over trait and event conditions. Immutable; the
 * loader builds it from contracts/segments/ and rejects anything it cannot evaluate.
 */
public sealed interface Condition {

    /** Every child holds. */
    record All(List<Condition> children) implements Condition {
    }

    /** At least one child holds. */
    record Any(List<Condition> children) implements Condition {
    }

    /** The child does not hold. */
    record Not(Condition child) implements Condition {
    }

    /** A profile trait (from identify/group, latest by event time) compared with a constant. */
    record TraitCondition(String trait, Comparison comparison) implements Condition {
    }

    /**
     * An aggregate of one track event's occurrences within a sliding window, compared with a constant:
     * how many (COUNT), the sum of a numeric property (SUM), or a property's value on the latest occurrence
     * (LAST).
     */
    record EventCondition(String event, Duration within, Measure measure, String property, Comparison comparison)
            implements
                Condition {
    }

    /** What an event condition aggregates. */
    enum Measure {
        COUNT, SUM, LAST
    }

    /** Every event condition in this tree. */
    default void collectEvents(Set<EventCondition> into) {
        if (this instanceof EventCondition e) {
            into.add(e);
        }
        children().forEach(c -> c.collectEvents(into));
    }

    /** Every trait this tree reads. */
    default void collectTraits(Set<String> into) {
        if (this instanceof TraitCondition t) {
            into.add(t.trait());
        }
        children().forEach(c -> c.collectTraits(into));
    }

    /** The direct sub-conditions (none for a leaf). */
    default List<Condition> children() {
        if (this instanceof All a) {
            return a.children();
        }
        if (this instanceof Any a) {
            return a.children();
        }
        if (this instanceof Not n) {
            return List.of(n.child());
        }
        return List.of();
    }
}
