package dev.cairn.ingest.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.google.protobuf.Timestamp;

import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;

/**
 * The checks every event passes whatever its contract: who it is about, that it can be deduplicated, and
 * that its type has what the type needs. An event failing these cannot be keyed or routed, so it is
 * quarantined whatever its source's policy.
 * <p>
 * Everything an event carries that becomes a Kafka key, a Redis key, a PostgreSQL value or an identifier
 * (messageId, the ids, every identifier {@link Identifiers} extracts, the event and page names, the
 * jurisdiction) must be text every consumer can store: no control characters (PostgreSQL refuses NUL in
 * text; the others break logs, keys and exports), no unpaired UTF-16 surrogates (they have no UTF-8 form:
 * protobuf would silently write '?', so two different ids would collide), bounded in length, and not blank
 * when present. Every time must be a valid protobuf Timestamp (years 1 to 9999, which PostgreSQL's
 * timestamptz also holds), the corrected event time included. And the JSON objects must be shallow enough
 * that every consumer can parse the record back (protobuf refuses messages nested past 100 levels, and each
 * level of JSON costs up to three).
 */
public final class EnvelopeCheck {

    /** Longest messageId (Segment's limit). */
    public static final int MAX_MESSAGE_ID = 100;
    /** Longest id or identifier value: userId, anonymousId, groupId, previousId, traits.email, externalIds... */
    public static final int MAX_IDENTIFIER = 256;
    /** Longest event name (track) or page/screen name. */
    public static final int MAX_NAME = 256;
    /** Longest context.jurisdiction. */
    public static final int MAX_JURISDICTION = 64;
    /**
     * The deepest JSON nesting any consumer can parse back: a JSON object level costs three levels of protobuf
     * messages (MapValue, its map entry, Value) and protobuf refuses to parse past 100, so 33 levels of objects
     * are the most an Event can carry; one level is kept as a margin for consumers that wrap an Event.
     */
    public static final int MAX_READABLE_DEPTH = 32;
    /** The range of a protobuf Timestamp (and well inside PostgreSQL's timestamptz): the years 1 to 9999. */
    public static final Instant MIN_TIME = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private EnvelopeCheck() {
    }

    /**
     * @param sentAt the request's sentAt, for the clock-skew correction
     * @param maxDepth the deepest nesting of properties, traits, context and integrations (at most
     *        {@link #MAX_READABLE_DEPTH})
     */
    public static List<Violation> check(EventInput e, Optional<Instant> sentAt, Instant receivedAt, int maxDepth) {
        List<Violation> v = new ArrayList<>();
        if (e.getType() == EventType.EVENT_TYPE_UNSPECIFIED || e.getType() == EventType.UNRECOGNIZED) {
            v.add(envelope("$.type", "type is required: track, identify, page, screen, group or alias"));
        }
        if (e.getUserId().isBlank() && e.getAnonymousId().isBlank()) {
            v.add(envelope("$.userId", "userId or anonymousId is required"));
        }
        if (!e.getMessageId().isBlank()) {
            text("$.messageId", e.getMessageId(), MAX_MESSAGE_ID, v);
        }
        Set<String> checked = new HashSet<>();
        present("$.userId", e.getUserId(), MAX_IDENTIFIER, checked, v);
        present("$.anonymousId", e.getAnonymousId(), MAX_IDENTIFIER, checked, v);
        present("$.groupId", e.getGroupId(), MAX_IDENTIFIER, checked, v);
        present("$.previousId", e.getPreviousId(), MAX_IDENTIFIER, checked, v);
        for (Identifiers.Located located : Identifiers.located(e)) {
            if (checked.add(located.jsonPath())) {
                text(located.jsonPath(), located.identifier().getValue(), MAX_IDENTIFIER, v);
            }
        }
        present("$.event", e.getEvent(), MAX_NAME, checked, v);
        present("$.name", e.getName(), MAX_NAME, checked, v);
        Value jurisdiction = e.getContext().getFieldsMap().get("jurisdiction");
        if (jurisdiction != null && jurisdiction.hasStringValue()) {
            text("$.context.jurisdiction", jurisdiction.getStringValue(), MAX_JURISDICTION, v);
        }
        depth("$.properties", e.getProperties(), maxDepth, v);
        depth("$.traits", e.getTraits(), maxDepth, v);
        depth("$.context", e.getContext(), maxDepth, v);
        depth("$.integrations", e.getIntegrations(), maxDepth, v);
        time(e, sentAt, receivedAt, v);
        switch (e.getType()) {
            case EVENT_TYPE_TRACK -> {
                if (e.getEvent().isBlank()) {
                    v.add(envelope("$.event", "a track call needs an event name"));
                }
            }
            case EVENT_TYPE_GROUP -> {
                if (e.getGroupId().isBlank()) {
                    v.add(envelope("$.groupId", "a group call needs a groupId"));
                }
            }
            case EVENT_TYPE_ALIAS -> {
                if (e.getPreviousId().isBlank() || e.getUserId().isBlank()) {
                    v.add(envelope("$.previousId", "an alias call needs previousId and userId"));
                }
            }
            default -> {
            }
        }
        return v;
    }

    /**
     * An event time further in the future than the tolerance is a clock or code bug at the producer; it is a
     * contract violation (the source's policy decides), not an envelope fault.
     */
    public static List<Violation> timing(Instant eventTime, Instant receivedAt, Duration futureTolerance) {
        if (eventTime.isAfter(receivedAt.plus(futureTolerance))) {
            return List.of(Violation.newBuilder().setType(ViolationType.VIOLATION_TYPE_CONSTRAINT)
                    .setJsonPath("$.timestamp")
                    .setMessage(
                            "timestamp " + eventTime + " is more than " + futureTolerance + " after it was received")
                    .build());
        }
        return List.of();
    }

    /** A messageId that is present but cannot be stored; the pipeline assigns its own id to such an event. */
    public static boolean storableMessageId(String messageId) {
        List<Violation> v = new ArrayList<>(1);
        text("$.messageId", messageId, MAX_MESSAGE_ID, v);
        return v.isEmpty();
    }

    /** True for an instant a protobuf Timestamp and PostgreSQL's timestamptz can both carry. */
    public static boolean representable(Instant at) {
        return !at.isBefore(MIN_TIME) && !at.isAfter(MAX_TIME);
    }

    /** True for a Timestamp that follows its own rules: nanos 0 to 999,999,999, seconds within the years 1 to 9999. */
    public static boolean valid(Timestamp t) {
        return t.getNanos() >= 0 && t.getNanos() <= 999_999_999 && t.getSeconds() >= MIN_TIME.getEpochSecond()
                && t.getSeconds() <= MAX_TIME.getEpochSecond();
    }

    /** The nesting depth of an object: 1 for the object itself, plus one per level of objects and arrays. */
    public static int depth(MapValue map) {
        int deepest = 0;
        for (Value value : map.getFieldsMap().values()) {
            deepest = Math.max(deepest, depth(value));
        }
        return 1 + deepest;
    }

    private static int depth(Value value) {
        if (value.hasMapValue()) {
            return depth(value.getMapValue());
        }
        if (value.hasListValue()) {
            int deepest = 0;
            for (Value item : value.getListValue().getValuesList()) {
                deepest = Math.max(deepest, depth(item));
            }
            return 1 + deepest;
        }
        return 0;
    }

    private static void time(EventInput e, Optional<Instant> sentAt, Instant receivedAt, List<Violation> v) {
        boolean timestampOk = !e.hasTimestamp() || valid(e.getTimestamp());
        if (!timestampOk) {
            v.add(envelope("$.timestamp", "not a valid timestamp: seconds " + e.getTimestamp().getSeconds()
                    + ", nanos " + e.getTimestamp().getNanos() + " lie outside the years 1 to 9999"));
        }
        boolean sentAtOk = sentAt.map(EnvelopeCheck::representable).orElse(true);
        if (!sentAtOk) {
            v.add(envelope("$.sentAt", "sentAt " + sentAt.get() + " lies outside the years 1 to 9999"));
        }
        if (timestampOk && sentAtOk && e.hasTimestamp() && sentAt.isPresent()) {
            // Both within 10,000 years, so the correction cannot overflow; its result still may leave the range.
            Instant corrected = EventIngestor.eventTime(e, sentAt, receivedAt);
            if (!representable(corrected)) {
                v.add(envelope("$.timestamp", "the event time corrected for the client's clock (received at "
                        + receivedAt + " - (sentAt " + sentAt.get() + " - timestamp " + instant(e.getTimestamp())
                        + ")) is " + corrected + ", outside the years 1 to 9999"));
            }
        }
    }

    private static void depth(String path, MapValue map, int maxDepth, List<Violation> v) {
        int depth = depth(map);
        if (depth > maxDepth) {
            v.add(Violation.newBuilder().setType(ViolationType.VIOLATION_TYPE_SIZE).setJsonPath(path)
                    .setMessage("nested " + depth + " levels deep; at most " + maxDepth
                            + " (deeper events cannot be read back by every consumer)")
                    .build());
            return;
        }
        String broken = unpairedSurrogate(map, path);
        if (broken != null) {
            // Only JSON can carry one (a "\ud800" escape); protobuf cannot, and would write '?' in its place.
            v.add(Violation.newBuilder().setType(ViolationType.VIOLATION_TYPE_MALFORMED).setJsonPath(broken)
                    .setMessage("a key or string with an unpaired UTF-16 surrogate is not valid Unicode text").build());
        }
    }

    /** The path of the first key or string holding an unpaired surrogate, or null. */
    private static String unpairedSurrogate(MapValue map, String path) {
        for (var field : map.getFieldsMap().entrySet()) {
            String at = path + "." + field.getKey();
            if (unpairedSurrogateAt(field.getKey()) >= 0) {
                return path;
            }
            String inside = unpairedSurrogate(field.getValue(), at);
            if (inside != null) {
                return inside;
            }
        }
        return null;
    }

    private static String unpairedSurrogate(Value value, String path) {
        return switch (value.getKindCase()) {
            case STRING_VALUE -> unpairedSurrogateAt(value.getStringValue()) >= 0 ? path : null;
            case MAP_VALUE -> unpairedSurrogate(value.getMapValue(), path);
            case LIST_VALUE -> {
                List<Value> items = value.getListValue().getValuesList();
                for (int i = 0; i < items.size(); i++) {
                    String inside = unpairedSurrogate(items.get(i), path + "[" + i + "]");
                    if (inside != null) {
                        yield inside;
                    }
                }
                yield null;
            }
            default -> null;
        };
    }

    /** The index of the first unpaired surrogate, or -1. */
    private static int unpairedSurrogateAt(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** A field that may be absent (empty), but when present is text every store keeps, and not blank. */
    private static void present(String path, String value, int maxLength, Set<String> checked, List<Violation> v) {
        if (value.isEmpty()) {
            return;
        }
        checked.add(path);
        if (value.isBlank()) {
            v.add(envelope(path, path.substring(2) + " is blank; send a value or leave it out"));
            return;
        }
        text(path, value, maxLength, v);
    }

    /**
     * The index of the first control character, or -1. Tabs and line breaks around the text are not counted: a
     * value pasted from a form or a CSV ("\tAnn@Example.com\n") is real data that every store holds and identity's
     * normalization trims; inside the text, and every other control character anywhere, they are refused.
     */
    static int controlCharacterAt(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && edgeWhitespace(value.charAt(start))) {
            start++;
        }
        while (end > start && edgeWhitespace(value.charAt(end - 1))) {
            end--;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) && (i >= start && i < end || !edgeWhitespace(c))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean edgeWhitespace(char c) {
        return c == '\t' || c == '\n' || c == '\r' || c == ' ';
    }

    /** Text that becomes a key or a stored value: bounded, no control characters, no unpaired surrogates. */
    private static void text(String path, String value, int maxLength, List<Violation> v) {
        String field = path.substring(2);
        if (value.length() > maxLength) {
            v.add(envelope(path, field + " is " + value.length() + " characters long; at most " + maxLength));
            return;
        }
        int at = controlCharacterAt(value);
        if (at >= 0) {
            v.add(envelope(path, field + " contains the control character U+"
                    + String.format("%04X", (int) value.charAt(at)) + " at index " + at));
            return;
        }
        int surrogate = unpairedSurrogateAt(value);
        if (surrogate >= 0) {
            v.add(envelope(path, field + " contains an unpaired UTF-16 surrogate U+"
                    + String.format("%04X", (int) value.charAt(surrogate)) + " at index " + surrogate
                    + " (not valid Unicode text)"));
        }
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static Violation envelope(String path, String message) {
        return Violation.newBuilder().setType(ViolationType.VIOLATION_TYPE_ENVELOPE).setJsonPath(path)
                .setMessage(message)
                .build();
    }
}
