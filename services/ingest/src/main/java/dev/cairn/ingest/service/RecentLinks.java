package dev.cairn.ingest.service;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.cairn.proto.events.v1.Identifier;

/**
 * Identifier sets whose links this instance published recently, so that a repeat visitor's events do not publish
 * the same links again. Identity decides a repeat of a set whose identifiers are already together as a no-op
 * (identity's README, <i>Kafka</i>), so most of those records would cost the pipeline a record, identity a
 * decision and nothing else.
 * <p>
 * Correct by construction where it matters: a set is remembered only after the transaction carrying its links
 * committed, so a skipped link always has an earlier one on the topic; a restart or another instance starts empty
 * and publishes again, which is what it did before. The one difference in outcome: an operator's unmerge of
 * identifiers is not undone by a repeat of the same set within {@link IngestConfig.LinksConfig#recentWindow()} of
 * its last publication by this instance (afterwards, or at any other instance, it is, as before). Keys are
 * SHA-256 digests of the set, so the memory is bounded by {@link IngestConfig.LinksConfig#recentMax()} × about
 * 100 bytes and holds no identifier in clear.
 */
public final class RecentLinks {

    /** A set's digest: equal for the same identifiers in any order, repeats included. */
    record Key(ByteBuffer digest) {
    }

    private final Cache<Key, Boolean> published;

    public RecentLinks(Duration window, int max) {
        this.published = window.isZero() || max <= 0
                ? null
                : Caffeine.newBuilder().expireAfterWrite(window).maximumSize(max).build();
    }

    /** The set's key, or null when this instance remembers nothing (window 0). */
    Key key(List<Identifier> identifiers) {
        if (published == null) {
            return null;
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
        // A canonical form: sorted, so the same identifiers in any order give one key; the separators keep
        // ("a", "bc") apart from ("ab", "c") (EnvelopeCheck lets no control character into an identifier).
        identifiers.stream().map(i -> i.getNamespace() + '\u0000' + i.getValue() + '\u0001').sorted().distinct()
                .forEach(s -> sha.update(s.getBytes(StandardCharsets.UTF_8)));
        return new Key(ByteBuffer.wrap(sha.digest()));
    }

    /** Whether this set's links were published by this instance within the window (null key: never). */
    boolean recentlyPublished(Key key) {
        return key != null && published.getIfPresent(key) != null;
    }

    /** Called once the transaction carrying these sets' links committed. */
    void published(Collection<Key> keys) {
        if (published != null) {
            keys.forEach(k -> {
                if (k != null) {
                    published.put(k, Boolean.TRUE);
                }
            });
        }
    }
}
