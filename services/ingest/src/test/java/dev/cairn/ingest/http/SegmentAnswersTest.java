package dev.cairn.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;

import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cairn.platform.grpc.BackpressureException;
import dev.cairn.platform.grpc.DependencyUnavailableException;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.events.v1.Violation;
import dev.cairn.proto.events.v1.ViolationType;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;

class SegmentAnswersTest {

    @Test
    void every_event_accounted_for_is_200_and_lists_each_outcome_with_its_violations() {
        Response response = SegmentAnswers.answer(List.of(result(0, EventOutcome.EVENT_OUTCOME_ACCEPTED),
                result(1, EventOutcome.EVENT_OUTCOME_QUARANTINED).toBuilder().addViolations(Violation.newBuilder()
                        .setType(ViolationType.VIOLATION_TYPE_SIZE).setJsonPath("$").setMessage("too big")).build(),
                result(2, EventOutcome.EVENT_OUTCOME_DUPLICATE)));
        assertEquals(200, response.getStatus());
        ObjectNode body = (ObjectNode) response.getEntity();
        assertEquals(true, body.get("success").booleanValue());
        assertEquals("QUARANTINED", body.at("/results/1/outcome").textValue());
        assertEquals("SIZE", body.at("/results/1/violations/0/type").textValue());
        assertEquals("$", body.at("/results/1/violations/0/jsonPath").textValue());
        assertEquals("DUPLICATE", body.at("/results/2/outcome").textValue());
        assertNull(response.getHeaderString("Retry-After"));
    }

    @Test
    void one_event_to_retry_makes_the_whole_answer_503_with_retry_after_and_says_which() {
        Response response = SegmentAnswers.answer(List.of(result(0, EventOutcome.EVENT_OUTCOME_ACCEPTED),
                result(1, EventOutcome.EVENT_OUTCOME_RETRY).toBuilder()
                        .setRetryAfter(com.google.protobuf.Duration.newBuilder().setSeconds(2).setNanos(1)).build()));
        assertEquals(503, response.getStatus());
        assertEquals("3", response.getHeaderString("Retry-After"), "rounded up, never a tight loop");
        ObjectNode body = (ObjectNode) response.getEntity();
        assertEquals("retry", body.get("error").textValue());
        assertEquals("RETRY", body.at("/results/1/outcome").textValue());
        assertEquals("m-1", body.at("/results/1/messageId").textValue());
    }

    @Test
    void backpressure_is_429_and_an_unavailable_dependency_503_both_with_retry_after() {
        Response limited = SegmentAnswers.failure(new BackpressureException("source web over 5000/s",
                Duration.ofMillis(1500)), Duration.ofSeconds(5));
        assertEquals(429, limited.getStatus());
        assertEquals("2", limited.getHeaderString("Retry-After"));
        assertEquals("rate_limited", ((ObjectNode) limited.getEntity()).get("error").textValue());

        Response unavailable = SegmentAnswers.failure(new CompletionException(
                new DependencyUnavailableException("kafka", "timeout", null)), Duration.ofSeconds(5));
        assertEquals(503, unavailable.getStatus());
        assertEquals("5", unavailable.getHeaderString("Retry-After"));

        assertEquals(400, SegmentAnswers.failure(new InvalidRequestException("source_id", "unknown"),
                Duration.ofSeconds(5)).getStatus());
        assertEquals(500, SegmentAnswers.failure(new IllegalStateException("bug"), Duration.ofSeconds(5))
                .getStatus());
    }

    @Test
    void the_write_key_is_the_basic_auth_user_with_any_password() {
        assertEquals("key-1", SegmentResource.basicAuthUser("Basic a2V5LTE6").orElseThrow());
        assertEquals("key-1", SegmentResource.basicAuthUser("basic a2V5LTE=").orElseThrow(), "no colon");
        assertEquals(true, SegmentResource.basicAuthUser("Bearer abc").isEmpty());
        assertEquals(true, SegmentResource.basicAuthUser("Basic !!!").isEmpty());
    }

    private static EventResult result(int index, EventOutcome outcome) {
        return EventResult.newBuilder().setIndex(index).setMessageId("m-" + index).setOutcome(outcome).build();
    }
}
