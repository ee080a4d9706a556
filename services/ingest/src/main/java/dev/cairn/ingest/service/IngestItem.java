package dev.cairn.ingest.service;

import java.util.List;

import com.google.protobuf.ByteString;

import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.ingest.v1.EventInput;

/**
 * One event of a request as the transport read it.
 *
 * @param event the event, as far as it could be read (may be partial when {@code violations} is not empty)
 * @param original the bytes the client sent for this item (JSON for HTTP, protobuf for gRPC); kept in
 *        quarantine so that a re-drive after a contract fix works on what was really sent
 * @param contentType media type of {@code original}
 * @param violations faults the transport already found (malformed item, oversize, wrong type); such an
 *        item is quarantined without further checks
 */
public record IngestItem(EventInput event, ByteString original, String contentType, List<Violation> violations) {

    public static IngestItem ofGrpc(EventInput event) {
        return new IngestItem(event, event.toByteString(),
                "application/x-protobuf; messageType=cairn.ingest.v1.EventInput",
                List.of());
    }
}
