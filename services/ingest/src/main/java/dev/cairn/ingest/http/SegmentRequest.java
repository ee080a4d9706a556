package dev.cairn.ingest.http;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.cairn.ingest.service.IngestItem;

/**
 * A Segment HTTP API request as read from its body.
 *
 * @param writeKey the {@code writeKey} field of the body, for clients that do not use basic auth
 * @param sentAt when the client says it sent the request
 * @param items the events, in request order, each with the faults found while reading it
 */
public record SegmentRequest(Optional<String> writeKey, Optional<Instant> sentAt, List<IngestItem> items) {
}
