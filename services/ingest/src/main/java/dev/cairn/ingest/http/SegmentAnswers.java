package dev.cairn.ingest.http;

import java.time.Duration;
import java.util.List;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cairn.platform.grpc.BackpressureException;
import dev.cairn.platform.grpc.DependencyUnavailableException;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;

/**
 * The pipeline's outcome as the HTTP answer SDKs act on: 200 when every event is accounted for, 503 with
 * Retry-After when any is not (the SDK resends the batch; dedup makes that safe), 429 under backpressure.
 */
final class SegmentAnswers {

    private static final Logger LOG = Logger.getLogger(SegmentAnswers.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private SegmentAnswers() {
    }

    static Response answer(List<EventResult> results) {
        ArrayNode items = JSON.arrayNode();
        Duration retryAfter = Duration.ZERO;
        boolean retry = false;
        for (EventResult result : results) {
            items.add(toJson(result));
            if (result.getOutcome() == EventOutcome.EVENT_OUTCOME_RETRY) {
                retry = true;
                Duration wait = Duration.ofSeconds(result.getRetryAfter().getSeconds(),
                        result.getRetryAfter().getNanos());
                retryAfter = wait.compareTo(retryAfter) > 0 ? wait : retryAfter;
            }
        }
        if (retry) {
            // SDKs resend whole batches, never single events: the batch goes again, and every event already
            // accepted answers DUPLICATE then.
            ObjectNode body = JSON.objectNode().put("success", false).put("error", "retry")
                    .put("reason", "some events are not durably stored yet (see results); resend the batch");
            body.set("results", items);
            return Response.status(503).header("Retry-After", seconds(retryAfter)).entity(body).build();
        }
        ObjectNode body = JSON.objectNode().put("success", true);
        body.set("results", items);
        return Response.ok(body).build();
    }

    static Response failure(Throwable failure, Duration unavailableRetryAfter) {
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof BackpressureException
                || cause instanceof DependencyUnavailableException || cause instanceof InvalidRequestException)) {
            cause = cause.getCause();
        }
        if (cause instanceof BackpressureException backpressure) {
            return withRetryAfter(error(429, "rate_limited", backpressure.getMessage()), backpressure.retryAfter());
        }
        if (cause instanceof DependencyUnavailableException unavailable) {
            return withRetryAfter(error(503, "unavailable", unavailable.getMessage()),
                    unavailableRetryAfter);
        }
        if (cause instanceof InvalidRequestException invalid) {
            return error(400, "invalid_request", invalid.getMessage());
        }
        LOG.error("Segment HTTP request failed", failure);
        // Nothing is known about which events went through: a 5xx makes the SDK resend, dedup does the rest.
        return error(500, "internal", "the request failed inside Cairn; resend it");
    }

    static ObjectNode toJson(EventResult result) {
        ObjectNode item = JSON.objectNode().put("index", result.getIndex()).put("messageId", result.getMessageId())
                .put("outcome", result.getOutcome().name().replace("EVENT_OUTCOME_", ""));
        ArrayNode violations = item.putArray("violations");
        for (Violation v : result.getViolationsList()) {
            ObjectNode violation = violations.addObject()
                    .put("type", v.getType().name().replace("VIOLATION_TYPE_", ""))
                    .put("jsonPath", v.getJsonPath()).put("message", v.getMessage());
            if (!v.getSchemaRef().isEmpty()) {
                violation.put("schemaRef", v.getSchemaRef());
            }
        }
        if (!result.getReason().isEmpty()) {
            item.put("reason", result.getReason());
        }
        if (result.getSuppressedDestinationsCount() > 0) {
            ArrayNode suppressed = item.putArray("suppressedDestinations");
            result.getSuppressedDestinationsList().forEach(suppressed::add);
        }
        if (result.hasRetryAfter()) {
            item.put("retryAfterSeconds", seconds(Duration.ofSeconds(result.getRetryAfter().getSeconds(),
                    result.getRetryAfter().getNanos())));
        }
        return item;
    }

    static Response error(int status, String error, String reason) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(JSON.objectNode().put("success", false).put("error", error).put("reason", reason)).build();
    }

    private static Response withRetryAfter(Response response, Duration retryAfter) {
        return Response.fromResponse(response).header("Retry-After", seconds(retryAfter)).build();
    }

    /** Retry-After in whole seconds, rounded up and at least 1, so a client never retries in a tight loop. */
    private static String seconds(Duration wait) {
        long s = wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0);
        return Long.toString(Math.max(1, s));
    }

}
