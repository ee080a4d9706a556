package dev.cairn.ingest.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventInput;

/**
 * The checks every event passes whatever its contract: who it is about, that it can be deduplicated, and
 * that its type has what the type needs. An event failing these cannot be keyed or routed, so it is
 * quarantined whatever its source's policy.
 */
public final class EnvelopeCheck {

    public static final int MAX_MESSAGE_ID = 100;

    private EnvelopeCheck() {
    }

    public static List<Violation> check(EventInput e) {
        List<Violation> v = new ArrayList<>();
        if (e.getType() == EventType.EVENT_TYPE_UNSPECIFIED || e.getType() == EventType.UNRECOGNIZED) {
            v.add(envelope("$.type", "type is required: track, identify, page, screen, group or alias"));
        }
        if (e.getUserId().isBlank() && e.getAnonymousId().isBlank()) {
            v.add(envelope("$.userId", "userId or anonymousId is required"));
        }
        if (e.getMessageId().length() > MAX_MESSAGE_ID) {
            v.add(envelope("$.messageId", "messageId is longer than " + MAX_MESSAGE_ID + " characters"));
        }
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

    private static Violation envelope(String path, String message) {
        return Violation.newBuilder().setType(ViolationType.VIOLATION_TYPE_ENVELOPE).setJsonPath(path)
                .setMessage(message)
                .build();
    }
}
