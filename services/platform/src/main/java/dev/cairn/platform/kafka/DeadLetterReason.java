package dev.cairn.platform.kafka;

import java.util.Locale;

/**
 * Why a record was set aside, as the {@code reason} label of {@code cairn_dead_letters_total} and the
 * {@link DeadLetters#REASON} header. Stable codes: dashboards, alerts and re-drive tooling select by them.
 */
public enum DeadLetterReason {
    /** The bytes are not the topic's payload type (protobuf cannot parse them). */
    UNPARSABLE,
    /** It parses, but the consumer's own rules refuse it (a field it needs is missing or malformed). */
    INVALID,
    /** The store refused it for good: a constraint or an encoding it cannot hold (a NUL in text, a date out of range). */
    REJECTED_BY_STORE,
    /** Processing failed again and again with an error of no known kind; a bug or data nobody planned for. */
    UNPROCESSABLE;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
