package dev.cairn.platform.consent;

import java.util.Locale;

/**
 * The string form of a subject identifier, {@code namespace:value}: the key of {@code cairn.consent.state.v1}
 * and of the consent view. Every service builds keys here so that the producer's and the consumers' keys match
 * (email is case-insensitive; surrounding whitespace never matters).
 */
public final class SubjectKeys {

    private SubjectKeys() {
    }

    public static String key(String namespace, String value) {
        String ns = namespace == null ? "" : namespace.trim().toLowerCase(Locale.ROOT);
        String v = value == null ? "" : value.trim();
        if (ns.equals("email")) {
            v = v.toLowerCase(Locale.ROOT);
        }
        return ns + ":" + v;
    }
}
