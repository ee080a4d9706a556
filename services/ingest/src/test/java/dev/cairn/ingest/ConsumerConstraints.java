package dev.cairn.ingest;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.google.protobuf.Timestamp;

import dev.cairn.proto.events.v1.ConsentSignal;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentifierLinks;
import dev.cairn.proto.events.v1.QuarantinedEvent;

/**
 * What the consumers of ingest's topics need of a record beyond parsing, written down independently of ingest's
 * own checks: identity stores message ids, source ids and identifiers in PostgreSQL text columns (no NUL) and
 * times in timestamptz, keys Redis by {@code namespace:value}; consent, segments and every sink key by the ids.
 * Each method answers the first problem, or null.
 */
final class ConsumerConstraints {

    /** Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: a protobuf Timestamp's range. */
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;

    private ConsumerConstraints() {
    }

    static String event(Event e, byte[] key) {
        return first(
                text("message_id", e.getMessageId(), 100, true),
                e.getType() == EventType.EVENT_TYPE_UNSPECIFIED || e.getType() == EventType.UNRECOGNIZED
                        ? "type " + e.getTypeValue()
                        : null,
                e.getUserId().isBlank() && e.getAnonymousId().isBlank() ? "neither user_id nor anonymous_id" : null,
                text("user_id", e.getUserId(), 256, false),
                text("anonymous_id", e.getAnonymousId(), 256, false),
                text("group_id", e.getGroupId(), 256, false),
                text("previous_id", e.getPreviousId(), 256, false),
                text("event", e.getEvent(), 256, false),
                text("source_id", e.getSourceId(), 100, true),
                text("key", key == null ? null : new String(key, StandardCharsets.UTF_8), 256, true),
                time("timestamp", e.getTimestamp(), true),
                time("received_at", e.getReceivedAt(), true),
                time("original_timestamp", e.getOriginalTimestamp(), e.hasOriginalTimestamp()),
                time("sent_at", e.getSentAt(), e.hasSentAt()));
    }

    static String quarantined(QuarantinedEvent q, byte[] key) {
        return first(
                text("message_id", q.getMessageId(), 100, true),
                text("source_id", q.getSourceId(), 100, true),
                q.getViolationsCount() == 0 ? "no violations" : null,
                key == null || !new String(key, StandardCharsets.UTF_8).equals(q.getSourceId() + ":" + q.getMessageId())
                        ? "key is not source_id:message_id"
                        : null,
                time("received_at", q.getReceivedAt(), true),
                time("quarantined_at", q.getQuarantinedAt(), true));
    }

    static String links(IdentifierLinks l, byte[] key) {
        return first(
                l.getIdentifiersCount() < 2 ? l.getIdentifiersCount() + " identifiers" : null,
                text("message_id", l.getMessageId(), 100, true),
                text("source_id", l.getSourceId(), 100, true),
                text("key", key == null ? null : new String(key, StandardCharsets.UTF_8), 256, true),
                identifiers(l.getIdentifiersList()),
                time("event_time", l.getEventTime(), true),
                time("received_at", l.getReceivedAt(), true));
    }

    static String signal(ConsentSignal s, byte[] key) {
        return first(
                text("message_id", s.getMessageId(), 100, true),
                text("source_id", s.getSourceId(), 100, true),
                text("jurisdiction_hint", s.getJurisdictionHint(), 64, false),
                identifiers(s.getIdentifiersList()),
                time("occurred_at", s.getOccurredAt(), true));
    }

    static String quote(byte[] key) {
        if (key == null) {
            return "null";
        }
        String k = new String(key, StandardCharsets.UTF_8);
        return "'" + (k.length() > 60 ? k.substring(0, 60) + "..." : k).replaceAll("\\p{Cntrl}", "?") + "'";
    }

    private static String identifiers(List<Identifier> ids) {
        for (Identifier id : ids) {
            if (!id.getNamespace().matches("[a-z][a-z0-9_]{0,62}")) {
                return "identifier namespace '" + id.getNamespace() + "'";
            }
            String problem = text("identifier " + id.getNamespace(), id.getValue(), 256, true);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** Text a PostgreSQL text column, a Redis key and a log line all keep as it is. */
    private static String text(String field, String value, int max, boolean required) {
        if (value == null || value.isEmpty()) {
            return required ? field + " is empty" : null;
        }
        if (value.strip().isEmpty()) {
            return field + " is blank";
        }
        if (value.length() > max) {
            return field + " is " + value.length() + " characters long";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            // Tabs and line breaks are text every store holds (identity trims them around an identifier).
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7f && c <= 0x9f)) {
                return field + " contains U+" + String.format("%04X", (int) c);
            }
            if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(++i)))) {
                return field + " contains an unpaired surrogate";
            }
        }
        return null;
    }

    private static String time(String field, Timestamp t, boolean required) {
        if (!required) {
            return null;
        }
        if (t.getSeconds() < MIN_SECONDS || t.getSeconds() > MAX_SECONDS || t.getNanos() < 0
                || t.getNanos() > 999_999_999) {
            return field + " " + t.getSeconds() + "s " + t.getNanos() + "ns is outside the years 1 to 9999";
        }
        return null;
    }

    private static String first(String... problems) {
        for (String p : problems) {
            if (p != null) {
                return p;
            }
        }
        return null;
    }
}
