package dev.cairn.ingest.service;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import jakarta.json.JsonString;

import dev.cairn.platform.grpc.PermissionDeniedException;

/**
 * The sources a caller may act on: write events as (IngestBatch, IngestStream, the Segment HTTP API) and re-drive or
 * replay (RedriveQuarantine, ReplayRaw). The RPC's role (ingest.write, ingest.operator) says what a caller may do;
 * this says for which sources. A source's events are trusted downstream as that source's (its contract, its
 * block/allow policy, its default jurisdiction, its rate limit, dedup by (source, messageId)), so a token that could
 * name any source could bypass a blocking source's contract by writing as an allowing one, or spend another source's
 * rate limit and collide with its messageIds.
 * <p>
 * Over gRPC the grant is a claim of the caller's bearer token, named by {@code cairn.ingest.sources-claim}
 * ({@code cairn_sources} by default): a JSON array of source ids (a single string is read as one id, as some issuers
 * write a one-element list). Why a claim rather than a role per source ({@code ingest.write:web}): the roles stay
 * one per RPC, declared next to each rpc in proto/ and checked by path before gRPC is reached, while what a token
 * may touch is data of the issuer's client (the producer a client stands for writes as its sources), set where the
 * client is defined, readable in a decoded token, and not multiplied into one role per source and environment.
 * <p>
 * There is no wildcard. A token that may write as every source is exactly what this closes; an operator who needs
 * every source has them listed, and a source added to contracts/ is a reviewed change that decides who writes to
 * it. A value that names no declared source ({@code *} included) grants nothing.
 * <p>
 * Over the Segment HTTP API the write key is the grant: it names exactly one source ({@code WriteKeys}), and nothing
 * in the body can name another.
 */
public final class SourceGrants {

    /** The ErrorInfo reason of a refusal. */
    public static final String NOT_GRANTED = "SOURCE_NOT_GRANTED";

    private final Set<String> sources;
    private final String grantedBy;

    private SourceGrants(Set<String> sources, String grantedBy) {
        this.sources = Set.copyOf(sources);
        this.grantedBy = grantedBy;
    }

    /**
     * The grants a token's claim carries.
     *
     * @param claim the claim's name, for the refusal's message
     * @param value the claim as the token's principal gives it: null when absent, a JSON array (or a collection) of
     *        strings, or one string; anything else, and any element that is not a string, grants nothing
     */
    public static SourceGrants ofClaim(String claim, Object value) {
        Set<String> sources = new TreeSet<>();
        if (value instanceof Collection<?> many) {
            many.forEach(v -> text(v).ifPresent(sources::add));
        } else {
            text(value).ifPresent(sources::add);
        }
        return new SourceGrants(sources, "its token's claim " + claim);
    }

    /** A write key of the Segment HTTP API: exactly its source. */
    public static SourceGrants ofWriteKey(String source) {
        return new SourceGrants(Set.of(source), "its write key");
    }

    private static Optional<String> text(Object v) {
        if (v instanceof JsonString s) {
            return Optional.of(s.getString());
        }
        return v instanceof String s ? Optional.of(s) : Optional.empty();
    }

    public boolean allows(String sourceId) {
        return sources.contains(sourceId);
    }

    /** Refuses, PERMISSION_DENIED naming the source, a caller not granted {@code source}. */
    public void require(Source source) {
        if (!allows(source.id())) {
            throw new PermissionDeniedException(NOT_GRANTED, Map.of("source_id", source.id()),
                    "source '" + source.id() + "' is not granted to this caller: " + grantedBy + " " + listed());
        }
    }

    /**
     * Refuses a caller not granted every one of {@code all} (an operator's job over every source); the ErrorInfo
     * names the first source missing, the message all of them.
     */
    public void requireEvery(Collection<Source> all) {
        List<String> missing = all.stream().map(Source::id).filter(id -> !allows(id)).sorted().toList();
        if (!missing.isEmpty()) {
            throw new PermissionDeniedException(NOT_GRANTED, Map.of("source_id", missing.get(0)),
                    "every source was asked for, and sources " + missing + " are not granted to this caller: "
                            + grantedBy + " " + listed());
        }
    }

    private String listed() {
        return sources.isEmpty() ? "grants none" : "grants " + new TreeSet<>(sources);
    }

    @Override
    public String toString() {
        return grantedBy + " " + listed();
    }
}
