package dev.cairn.segments;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.cairn.platform.consent.ConsentPolicy;

/**
 * The consent policy the engine's tests decide under. As in contracts/consent/policy.yaml, the default
 * jurisdiction allows analytics until withdrawn and personalization only once granted; {@code p} (the backfill
 * test's purpose) is opt-out there too. EU is opt-in for everything and denies ads outright, so a grant recorded
 * in EU for ads never lets a profile in.
 */
final class TestConsentPolicy {

    static final ConsentPolicy POLICY = parse("""
            version: "test-1"
            default_jurisdiction: default
            legal_bases: [consent, notice]
            purposes:
              analytics: { description: product analytics }
              personalization: { description: tailoring }
              ads: { description: advertising }
              p: { description: a purpose of the backfill test }
            jurisdictions:
              EU:
                description: opt-in everywhere, no ads
                rules:
                  analytics: { basis: consent, default: opt_in }
                  personalization: { basis: consent, default: opt_in }
                  ads: { basis: consent, default: deny }
                  p: { basis: consent, default: opt_in }
              default:
                description: elsewhere
                rules:
                  analytics: { basis: notice, default: opt_out }
                  personalization: { basis: consent, default: opt_in }
                  ads: { basis: consent, default: opt_in }
                  p: { basis: notice, default: opt_out }
            """);

    private TestConsentPolicy() {
    }

    private static ConsentPolicy parse(String yaml) {
        try {
            return ConsentPolicy.parse(new YAMLMapper().readTree(yaml), "segments' test consent policy");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
