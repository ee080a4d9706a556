package dev.cairn.ingest.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;

import dev.cairn.ingest.service.EnvelopeCheck;
import dev.cairn.ingest.service.IngestItem;
import dev.cairn.ingest.service.JsonValues;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;

/**
 * Reads a Segment HTTP Tracking API request body into ingest items. Plain logic, no HTTP: the resource
 * hands it bytes and gets back either the items or a {@link RequestFault}.
 * <p>
 * The line between the two answers is what SDKs make of them: a request fault (the body cannot be read at
 * all, or breaks a request limit) is answered 400/413 and the SDK drops the batch, so it is used only where
 * no event of the request can be trusted. Anything wrong with one event (wrong field types, too large, an
 * unparseable timestamp) is an item fault: the event carries its violations, the pipeline
 * quarantines it, and the rest of the batch goes through.
 * <p>
 * Missing ids, messageId length, future timestamps (after clock-skew correction) and contract checks are not
 * done here: they are the same for every
 * transport and belong to the pipeline.
 */
public final class SegmentEventReader {

    /** Media type of the original bytes kept with each item (always JSON, whatever the request said). */
    public static final String ITEM_CONTENT_TYPE = "application/json";

    private static final ObjectReader JSON = JsonValues.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The endpoints of the API: one per call type, and the batch (which {@code /v1/import} also names). */
    public enum Endpoint {
        TRACK(EventType.EVENT_TYPE_TRACK, "track", "t"), IDENTIFY(EventType.EVENT_TYPE_IDENTIFY, "identify", "i"), PAGE(
                EventType.EVENT_TYPE_PAGE, "page", "p"), SCREEN(EventType.EVENT_TYPE_SCREEN, "screen", "s"), GROUP(
                        EventType.EVENT_TYPE_GROUP, "group", "g"), ALIAS(EventType.EVENT_TYPE_ALIAS, "alias", "a"),
        // analytics.js (analytics-next) posts to the one-letter paths; "b" is its batching dispatcher.
        BATCH(null, "batch", "import", "b");

        private final EventType type;
        private final List<String> names;

        Endpoint(EventType type, String... names) {
            this.type = type;
            this.names = List.of(names);
        }

        public static Optional<Endpoint> named(String name) {
            for (Endpoint e : values()) {
                if (e.names.contains(name)) {
                    return Optional.of(e);
                }
            }
            return Optional.empty();
        }
    }

    private final int maxRequestBytes;
    private final int maxEventBytes;
    private final int maxBatchEvents;

    public SegmentEventReader(int maxRequestBytes, int maxEventBytes, int maxBatchEvents) {
        this.maxRequestBytes = maxRequestBytes;
        this.maxEventBytes = maxEventBytes;
        this.maxBatchEvents = maxBatchEvents;
    }

    public static SegmentEventReader of(HttpIngestConfig config) {
        return new SegmentEventReader(config.maxRequestBytes(), config.maxEventBytes(), config.maxBatchEvents());
    }

    /**
     * The body as JSON bytes: gunzipped when the client said {@code Content-Encoding: gzip}, whatever its
     * content type (RudderStack's node SDK gzips form-typed bodies). The request limit applies to the
     * decompressed size, and decompression stops as soon as it is exceeded, so a small body that inflates
     * to gigabytes costs at most the limit.
     */
    public byte[] decode(byte[] body, String contentEncoding) throws RequestFault {
        byte[] bytes = body == null ? new byte[0] : body;
        String encoding = contentEncoding == null ? "" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        if (encoding.isEmpty() || encoding.equals("identity")) {
            if (bytes.length > maxRequestBytes) {
                throw tooLarge(bytes.length + " bytes");
            }
            return bytes;
        }
        if (!encoding.equals("gzip") && !encoding.equals("x-gzip")) {
            throw new RequestFault(415, "unsupported_encoding",
                    "Content-Encoding '" + contentEncoding + "' is not supported; send gzip or no encoding");
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxRequestBytes, bytes.length * 8) + 1);
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                if (out.size() > maxRequestBytes) {
                    throw tooLarge("more than " + maxRequestBytes + " bytes after gzip decompression");
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new RequestFault(400, "malformed_gzip",
                    "the body says Content-Encoding gzip but is not valid gzip: " + e.getMessage());
        }
    }

    /** Reads a decoded body sent to {@code endpoint}. */
    public SegmentRequest read(byte[] json, Endpoint endpoint) throws RequestFault {
        if (json.length == 0) {
            throw new RequestFault(400, "malformed_json", "the body is empty; send a JSON object");
        }
        requireUtf8(json);
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new RequestFault(400, "malformed_json", "the body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null
                            ? ""
                            : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                                    + ")"));
        } catch (IOException e) {
            throw new RequestFault(400, "malformed_json", "the body is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new RequestFault(400, "malformed_json", "the body must be a JSON object");
        }
        Optional<String> writeKey = Optional.ofNullable(root.get("writeKey")).filter(JsonNode::isTextual)
                .map(JsonNode::textValue).filter(k -> !k.isEmpty());
        Optional<Instant> sentAt = Optional.ofNullable(root.get("sentAt")).filter(JsonNode::isTextual)
                .flatMap(n -> parseInstant(n.textValue()));
        if (endpoint != Endpoint.BATCH) {
            return new SegmentRequest(writeKey, sentAt,
                    List.of(readItem(root, endpoint.type, null, null)));
        }
        JsonNode batch = root.get("batch");
        if (batch == null || !batch.isArray()) {
            throw new RequestFault(400, "invalid_batch", "$.batch must be an array of events");
        }
        if (batch.isEmpty()) {
            throw new RequestFault(400, "empty_batch", "$.batch has no events");
        }
        if (batch.size() > maxBatchEvents) {
            throw new RequestFault(400, "too_many_events",
                    "$.batch has " + batch.size() + " events; at most " + maxBatchEvents + " per request");
        }
        ObjectNode context = sharedObject(root, "context");
        ObjectNode integrations = sharedObject(root, "integrations");
        List<IngestItem> items = new ArrayList<>(batch.size());
        for (JsonNode item : batch) {
            items.add(readItem(item, null, context, integrations));
        }
        return new SegmentRequest(writeKey, sentAt, items);
    }

    private static ObjectNode sharedObject(JsonNode root, String field) throws RequestFault {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            // It would be merged into every event: a wrong type here spoils the whole batch.
            throw new RequestFault(400, "invalid_batch", "$." + field + " must be an object");
        }
        return (ObjectNode) node;
    }

    private IngestItem readItem(JsonNode node, EventType pathType, ObjectNode batchContext,
            ObjectNode batchIntegrations) {
        List<Violation> violations = new ArrayList<>();
        EventInput.Builder event = EventInput.newBuilder();
        if (pathType != null) {
            event.setType(pathType);
        }
        if (!node.isObject()) {
            violations.add(violation(ViolationType.VIOLATION_TYPE_MALFORMED, "$",
                    "an event must be a JSON object, not " + node.getNodeType().name().toLowerCase(Locale.ROOT)));
            return new IngestItem(event.build(), ByteString.copyFrom(bytes(node)), ITEM_CONTENT_TYPE, violations);
        }
        ObjectNode item = (ObjectNode) node;
        if (item.has("writeKey")) {
            // The write key is a secret: it must not travel on with the event (quarantine keeps the original).
            item = item.deepCopy();
            item.remove("writeKey");
        }
        byte[] original = bytes(item);
        if (original.length > maxEventBytes) {
            violations.add(violation(ViolationType.VIOLATION_TYPE_SIZE, "$",
                    "the event is " + original.length + " bytes of JSON; at most " + maxEventBytes));
        }
        if (pathType == null) {
            text(item, "type", false, violations).ifPresent(type -> {
                Optional<Endpoint> known = Endpoint.named(type.toLowerCase(Locale.ROOT))
                        .filter(e -> e != Endpoint.BATCH);
                if (known.isPresent()) {
                    event.setType(known.get().type);
                } else {
                    violations.add(violation(ViolationType.VIOLATION_TYPE_ENVELOPE, "$.type",
                            "unknown type '" + type + "'; one of track, identify, page, screen, group, alias"));
                }
            });
        }
        text(item, "messageId", true, violations).ifPresent(event::setMessageId);
        text(item, "event", false, violations).ifPresent(event::setEvent);
        text(item, "name", false, violations).ifPresent(event::setName);
        text(item, "userId", true, violations).ifPresent(event::setUserId);
        text(item, "anonymousId", true, violations).ifPresent(event::setAnonymousId);
        text(item, "groupId", true, violations).ifPresent(event::setGroupId);
        text(item, "previousId", true, violations).ifPresent(event::setPreviousId);
        object(item, "properties", null, violations).ifPresent(event::setProperties);
        object(item, "traits", null, violations).ifPresent(event::setTraits);
        object(item, "context", batchContext, violations).ifPresent(event::setContext);
        object(item, "integrations", batchIntegrations, violations).ifPresent(event::setIntegrations);
        timestamp(item, violations).ifPresent(event::setTimestamp);
        return new IngestItem(event.build(), ByteString.copyFrom(original), ITEM_CONTENT_TYPE, violations);
    }

    /**
     * The event's time by the client's clock, which the pipeline corrects with sentAt. Segment's SDKs put
     * the client's time in {@code originalTimestamp} when they send one (it is what Segment corrects), and
     * server-side callers put it in {@code timestamp}; when both are present, {@code originalTimestamp} is
     * the raw client time and wins. Whether it lies too far in the future is for the pipeline to judge, after
     * that correction.
     */
    private static Optional<Timestamp> timestamp(ObjectNode item, List<Violation> violations) {
        String field = present(item, "originalTimestamp") ? "originalTimestamp" : "timestamp";
        if (!present(item, field)) {
            return Optional.empty();
        }
        JsonNode node = item.get(field);
        Optional<Instant> parsed = node.isTextual() ? parseInstant(node.textValue()) : Optional.empty();
        if (parsed.isEmpty()) {
            violations.add(violation(ViolationType.VIOLATION_TYPE_MALFORMED, "$." + field,
                    "not an ISO-8601 date-time with a zone offset (e.g. 2024-05-01T12:00:00.000Z): " + node));
            return Optional.empty();
        }
        Instant at = parsed.get();
        if (!EnvelopeCheck.representable(at)) {
            // Outside what a protobuf Timestamp can carry.
            violations.add(violation(ViolationType.VIOLATION_TYPE_ENVELOPE, "$." + field,
                    "out of range: " + at + " lies outside the years 1 to 9999"));
            return Optional.empty();
        }
        return Optional.of(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build());
    }

    static Optional<Instant> parseInstant(String text) {
        try {
            return Optional.of(OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** A string field; ids may also be sent as integers (some SDKs do), which Segment reads as their text. */
    private static Optional<String> text(ObjectNode item, String field, boolean id, List<Violation> violations) {
        if (!present(item, field)) {
            return Optional.empty();
        }
        JsonNode node = item.get(field);
        if (node.isTextual()) {
            return Optional.of(node.textValue());
        }
        if (id && node.isIntegralNumber()) {
            return Optional.of(node.bigIntegerValue().toString());
        }
        violations.add(violation(ViolationType.VIOLATION_TYPE_TYPE_MISMATCH, "$." + field,
                field + " must be a string, not " + node.getNodeType().name().toLowerCase(Locale.ROOT)));
        return Optional.empty();
    }

    /** An object field, with the batch's shared object underneath it (the event's own keys win). */
    private static Optional<MapValue> object(ObjectNode item, String field, ObjectNode shared,
            List<Violation> violations) {
        JsonNode node = present(item, field) ? item.get(field) : null;
        if (node != null && !node.isObject()) {
            violations.add(violation(ViolationType.VIOLATION_TYPE_TYPE_MISMATCH, "$." + field,
                    field + " must be an object, not " + node.getNodeType().name().toLowerCase(Locale.ROOT)));
            node = null;
        }
        if (shared != null && !shared.isEmpty()) {
            ObjectNode merged = shared.deepCopy();
            if (node != null) {
                merged.setAll((ObjectNode) node);
            }
            node = merged;
        }
        return node == null ? Optional.empty() : Optional.of(JsonValues.toMap(node));
    }

    private static boolean present(ObjectNode item, String field) {
        JsonNode node = item.get(field);
        return node != null && !node.isNull();
    }

    private static Violation violation(ViolationType type, String path, String message) {
        return Violation.newBuilder().setType(type).setJsonPath(path).setMessage(message).build();
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JsonValues.MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serializes", e);
        }
    }

    private static void requireUtf8(byte[] json) throws RequestFault {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(json));
        } catch (CharacterCodingException e) {
            throw new RequestFault(400, "invalid_utf8", "the body is not valid UTF-8 (" + e.getMessage() + ")");
        }
    }

    private RequestFault tooLarge(String size) {
        return new RequestFault(413, "request_too_large",
                "the request is " + size + "; at most " + maxRequestBytes + " bytes (500 KB) per request");
    }
}
