package dev.cairn.platform.consent;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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

    /**
     * The keyed hash of a subject key: HMAC-SHA256 of {@code namespace:value} (as {@link #key} builds it) under
     * the suppression key, lower-case hex. The key of {@code cairn.privacy.suppression.v1}: ingest hashes an
     * event's identifiers the same way to find suppressed subjects, without the topic holding personal values.
     */
    public static String suppressionHash(String subjectKey, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(subjectKey.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
