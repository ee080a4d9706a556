package dev.cairn.examples.personalize;

import java.util.List;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Identifiers;
import dev.cairn.proto.consent.v1.Decision;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.segments.v1.Membership;

/**
 * What a page needs to know about its visitor before it renders: the three request-time questions, asked in order
 * because each depends on the one before. The consent check comes before the audiences are even read, so that a
 * visitor who has not allowed personalization is never profiled for the page.
 */
public final class PagePersonalizer {

    /** The consent purpose of contracts/consent/policy.yaml that covers tailoring content to a person. */
    static final String PURPOSE = "personalization";

    /** What the page renders from. */
    public record Page(String profileId, boolean personalized, List<String> segments) {

        static Page anonymous() {
            return new Page("", false, List.of());
        }
    }

    private final CairnClient cairn;

    public PagePersonalizer(CairnClient cairn) {
        this.cairn = cairn;
    }

    /** The page for the visitor whose browser carries {@code anonymousId}. */
    public Page personalize(String anonymousId) {
        Identifier visitor = Identifiers.of("anonymous_id", anonymousId);
        Resolution who = cairn.identity().resolve(visitor);
        if (!who.getFound() || who.getAmbiguous()) {
            // Never seen, or a shared device: nobody to personalize for.
            return Page.anonymous();
        }
        Decision consent = cairn.consent().decide(visitor, PURPOSE);
        if (!consent.getAllowed()) {
            return new Page(who.getProfileId(), false, List.of());
        }
        List<String> segments = cairn.segments().listMemberships(visitor).getMembershipsList().stream()
                .map(Membership::getSegmentId).toList();
        return new Page(who.getProfileId(), true, segments);
    }
}
