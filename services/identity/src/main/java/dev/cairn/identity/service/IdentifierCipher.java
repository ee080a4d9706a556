package dev.cairn.identity.service;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keeps personal values out of the log in readable form. An identifier is named everywhere by a keyed hash
 * (HMAC-SHA-256 of {@code namespace:value} under the service's hash key, so it cannot be reversed by hashing
 * guesses without that key), and its value is encrypted (AES-256-GCM) with a key of its own. Destroying that
 * key — erasure — leaves the append-only log intact and the value unreadable.
 */
public final class IdentifierCipher {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int IV_BYTES = 12;

    private final byte[] hashKey;

    public IdentifierCipher(String hashKey) {
        this.hashKey = hashKey.getBytes(StandardCharsets.UTF_8);
    }

    public String hash(Ident id) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.get().doFinal(id.key().getBytes(StandardCharsets.UTF_8)));
    }

    /** One initialized MAC per thread: looking the algorithm up and keying it cost more than hashing an id. */
    private final ThreadLocal<Mac> mac = ThreadLocal.withInitial(this::newMac);

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(hashKey, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public static byte[] newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** The value encrypted under the identifier's key, bound to its hash so it cannot be swapped with another. */
    public static String encrypt(byte[] key, String hash, String value) {
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
            c.updateAAD(hash.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(value.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder()
                    .encodeToString(ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /**
     * The value, or empty if it does not decrypt: its key was destroyed and the identifier, seen again after
     * an erasure, got a new key that older entries were never encrypted with.
     */
    public static java.util.Optional<String> tryDecrypt(byte[] key, String hash, String cipherText) {
        if (key == null || cipherText == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(decrypt(key, hash, cipherText));
        } catch (IllegalStateException e) {
            return java.util.Optional.empty();
        }
    }

    public static String decrypt(byte[] key, String hash, String cipherText) {
        try {
            byte[] all = Base64.getDecoder().decode(cipherText);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, all, 0, IV_BYTES));
            c.updateAAD(hash.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(all, IV_BYTES, all.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("an identifier value does not decrypt under its key", e);
        }
    }
}
