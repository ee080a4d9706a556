package dev.cairn.consent.service;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;

import dev.cairn.platform.grpc.FieldViolation;

/**
 * Paging shared by the history and audit-trail RPCs: {@code page_size} 0 means 100, at most 1,000; a page token
 * is an opaque base64url of a number (an offset or an entry id), so callers pass it back unread.
 */
final class PageTokens {

    static final int DEFAULT_SIZE = 100;
    static final int MAX_SIZE = 1000;

    private PageTokens() {
    }

    /** The page size to use; a size out of range adds a violation. */
    static int size(int requested, List<FieldViolation> problems) {
        if (requested < 0 || requested > MAX_SIZE) {
            problems.add(new FieldViolation("page_size", "between 0 (default 100) and 1000"));
        }
        return requested == 0 ? DEFAULT_SIZE : requested;
    }

    /** The number a token carries; empty for no token; a token this service did not issue adds a violation. */
    static OptionalLong read(String token, List<FieldViolation> problems) {
        if (token.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(new String(Base64.getUrlDecoder().decode(token),
                    StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            problems.add(new FieldViolation("page_token", "not a token this service issued"));
            return OptionalLong.empty();
        }
    }

    static String write(long value) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Long.toString(value).getBytes(StandardCharsets.UTF_8));
    }
}
