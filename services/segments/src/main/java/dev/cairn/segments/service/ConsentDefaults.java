package dev.cairn.segments.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinition;

/**
 * What a segment may assume about a purpose nobody of the profile has recorded a choice for: the consent
 * policy's default in its default jurisdiction. Only opt-out purposes are allowed then; opt-in, deny and
 * purposes without a rule fail closed, as they do in ingest's gate and in consent's own Decide.
 *
 * <p>
 * Segments cannot know the jurisdiction of a profile without a recorded choice, so it applies the default
 * jurisdiction, which contracts/consent/policy.yaml keeps conservative on purpose.
 */
public record ConsentDefaults(Set<String> allowedUntilWithdrawn) {

    public ConsentDefaults {
        allowedUntilWithdrawn = Set.copyOf(allowedUntilWithdrawn);
    }

    public static ConsentDefaults of(ConsentPolicy policy) {
        Set<String> allowed = new TreeSet<>();
        for (String purpose : policy.purposes()) {
            policy.rule(purpose, policy.defaultJurisdiction())
                    .filter(r -> r.defaultWhenUnrecorded() == ConsentPolicy.Default.OPT_OUT)
                    .ifPresent(r -> allowed.add(purpose));
        }
        return new ConsentDefaults(allowed);
    }

    /** Whether a purpose with no recorded choice is allowed. */
    public boolean allowsUnrecorded(String purpose) {
        return allowedUntilWithdrawn.contains(purpose);
    }

    /**
     * Every definition whose purpose the consent policy does not know, as messages naming the segment: such a
     * segment could never be gated correctly, so the service refuses to start with it.
     */
    public static List<String> unknownPurposes(SegmentCatalog catalog, ConsentPolicy policy) {
        List<String> problems = new ArrayList<>();
        for (SegmentDefinition d : catalog.all()) {
            if (!policy.isPurpose(d.purpose())) {
                problems.add("segment '" + d.id() + "': purpose '" + d.purpose()
                        + "' is not in the consent policy (contracts/consent/policy.yaml); known purposes: "
                        + new TreeSet<>(policy.purposes()));
            }
        }
        return problems;
    }
}
