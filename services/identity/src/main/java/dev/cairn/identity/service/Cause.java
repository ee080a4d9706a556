package dev.cairn.identity.service;

import java.time.Instant;

import dev.cairn.proto.events.v1.IdentifierLinks;

/** What a cause is: the message, source, actor and note stamped on every entry of one decision. */
public record Cause(String messageId, String sourceId, String actor, String note, Instant occurredAt) {

    public static Cause operator(String actor, String note) {
        return new Cause("", "", actor, note, Instant.now());
    }

    /** An event's cause: its message and source, at its event time (or now, when it has none). */
    public static Cause of(IdentifierLinks links) {
        Instant eventTime = links.hasEventTime()
                ? Instant.ofEpochSecond(links.getEventTime().getSeconds(), links.getEventTime().getNanos())
                : Instant.now();
        return new Cause(links.getMessageId(), links.getSourceId(), "", "", eventTime);
    }
}
