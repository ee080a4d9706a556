package dev.cairn.ingest.service;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One request to ingest, from any transport.
 *
 * @param sourceId the source (from the write key over HTTP; named by the caller over gRPC)
 * @param sentAt when the client says it sent the batch; used for clock-skew correction
 * @param globalPrivacyControl the request carried {@code Sec-GPC: 1}
 * @param transport "grpc" or "http", for metrics and quarantine records
 * @param grants the sources the caller may write as (its token's claim over gRPC, its write key over HTTP); a
 *        known source it does not grant refuses the whole request before anything of it is kept
 */
public record IngestRequest(String sourceId, List<IngestItem> items, Optional<Instant> sentAt,
        boolean globalPrivacyControl, String transport, SourceGrants grants) {
}
