package dev.cairn.segments.definition;

/**
 * A trait segments computes from a profile's events instead of receiving it: a count, sum or last value of an
 * event within a sliding window (the same aggregates the event conditions read, without a comparison). It is
 * returned by GetTraits with the received traits, and recomputed when an event arrives and when a window
 * moves on.
 */
public record ComputedTrait(String name, long version, String description, Condition.EventCondition aggregate) {
}
