package dev.cairn.ingest.grpc;

import java.time.Instant;
import java.util.Optional;

import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.grpc.ServerServiceDefinition;
import io.quarkus.grpc.GrpcService;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

import dev.cairn.ingest.service.EnvelopeCheck;
import dev.cairn.ingest.service.EventIngestor;
import dev.cairn.ingest.service.IngestConfig;
import dev.cairn.ingest.service.IngestItem;
import dev.cairn.ingest.service.IngestRequest;
import dev.cairn.ingest.service.OperatorJobs;
import dev.cairn.ingest.service.SourceGrants;
import dev.cairn.ingest.service.StreamSource;
import dev.cairn.platform.auth.CallerIdentity;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestBatchResponse;
import dev.cairn.proto.ingest.v1.IngestStreamRequest;
import dev.cairn.proto.ingest.v1.IngestStreamResponse;
import dev.cairn.proto.ingest.v1.MutinyIngestServiceGrpc;
import dev.cairn.proto.ingest.v1.RedriveQuarantineRequest;
import dev.cairn.proto.ingest.v1.RedriveQuarantineResponse;
import dev.cairn.proto.ingest.v1.ReplayRawRequest;
import dev.cairn.proto.ingest.v1.ReplayRawResponse;

/** Thin adapter: translates and delegates to {@link EventIngestor}. */
@GrpcService
public class IngestGrpcService extends MutinyIngestServiceGrpc.IngestServiceImplBase {

    @Inject
    EventIngestor ingestor;

    @Inject
    OperatorJobs jobs;

    @Inject
    CallerIdentity caller;

    @Inject
    IngestConfig config;

    /** Every RPC refuses a request message that does not parse with INVALID_ARGUMENT ({@link UnparseableRequests}). */
    @Override
    public ServerServiceDefinition bindService() {
        return UnparseableRequests.guard(super.bindService());
    }

    /**
     * The sources the caller's token grants ({@link SourceGrants}), read when the call starts: the identity is the
     * call's, established before gRPC dispatched it. No identity or no claim grants nothing.
     */
    private SourceGrants grants() {
        String claim = config.sourcesClaim();
        Object value = caller.known().map(SecurityIdentity::getPrincipal)
                .filter(JsonWebToken.class::isInstance)
                .map(principal -> ((JsonWebToken) principal).<Object>getClaim(claim)).orElse(null);
        return SourceGrants.ofClaim(claim, value);
    }

    @Override
    public Uni<IngestBatchResponse> ingestBatch(IngestBatchRequest request) {
        return ingestor.ingest(new IngestRequest(request.getSourceId(),
                request.getEventsList().stream().map(IngestItem::ofGrpc).toList(),
                sentAt(request.hasSentAt(), request.getSentAt()), false, "grpc", grants()))
                .map(results -> IngestBatchResponse.newBuilder().addAllResults(results).build());
    }

    /**
     * Each streamed message is ingested as it arrives (so a long stream never holds more than one batch in
     * memory); results carry the event's index over the whole stream. The stream writes as the source of its first
     * message ({@link StreamSource}).
     */
    @Override
    public Uni<IngestStreamResponse> ingestStream(Multi<IngestStreamRequest> requests) {
        SourceGrants grants = grants();
        StreamSource source = new StreamSource(ingestor, grants);
        java.util.concurrent.atomic.AtomicInteger offset = new java.util.concurrent.atomic.AtomicInteger();
        return requests.onItem().transformToUniAndConcatenate(request -> {
            String sourceId = source.of(request.getSourceId());
            int base = offset.getAndAdd(request.getEventsCount());
            return ingestor.ingest(new IngestRequest(sourceId,
                    request.getEventsList().stream().map(IngestItem::ofGrpc).toList(), sentAt(request.hasSentAt(),
                            request.getSentAt()),
                    false, "grpc", grants))
                    .map(results -> results.stream().map(r -> r.toBuilder().setIndex(r.getIndex() + base).build())
                            .toList());
        }).collect().in(IngestStreamResponse::newBuilder, (b, results) -> b.addAllResults(results))
                .map(IngestStreamResponse.Builder::build);
    }

    /** A sent_at that is no valid Timestamp (nanos out of range, beyond the year 9999) refuses the request. */
    private static Optional<Instant> sentAt(boolean present, com.google.protobuf.Timestamp t) {
        if (!present) {
            return Optional.empty();
        }
        if (!EnvelopeCheck.valid(t)) {
            throw new InvalidRequestException("sent_at", "not a valid timestamp: seconds " + t.getSeconds()
                    + ", nanos " + t.getNanos() + "; it must lie within the years 1 to 9999");
        }
        return Optional.of(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()));
    }

    /** Scans Kafka and waits for the pipeline: a blocking job, so it runs on a worker thread. */
    @Override
    public Uni<RedriveQuarantineResponse> redriveQuarantine(RedriveQuarantineRequest request) {
        SourceGrants grants = grants();
        return Uni.createFrom().item(() -> {
            var redrive = jobs.redrive(request.getSourceId(),
                    request.hasQuarantined() && request.getQuarantined().hasStart()
                            ? Optional.of(instant(request.getQuarantined().getStart()))
                            : Optional.empty(),
                    request.hasQuarantined() && request.getQuarantined().hasEnd()
                            ? Optional.of(instant(request.getQuarantined().getEnd()))
                            : Optional.empty(),
                    java.util.Set.copyOf(request.getMessageIdsList()), request.getDryRun(), request.getLimit(), grants);
            return RedriveQuarantineResponse.newBuilder().setCounts(redrive.counts()).addAllResults(redrive.results())
                    .setTruncated(redrive.truncated()).build();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @Override
    public Uni<ReplayRawResponse> replayRaw(ReplayRawRequest request) {
        if (!request.hasReceived() || !request.getReceived().hasStart() || !request.getReceived().hasEnd()) {
            throw new InvalidRequestException("received", "required: the start and end of the range to replay");
        }
        SourceGrants grants = grants();
        return Uni.createFrom().item(() -> ReplayRawResponse.newBuilder().setCounts(jobs.replay(request.getSourceId(),
                instant(request.getReceived().getStart()), instant(request.getReceived().getEnd()),
                request.getDryRun(), grants))
                .build()).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static Instant instant(com.google.protobuf.Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
