package dev.cairn.bench.scenario;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.google.protobuf.Timestamp;

import dev.cairn.bench.load.Backpressure;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.IngestBatchResponse;

/** Events the scenarios send: planned, valid, and padded to a stated size. */
public final class Events {

    private Events() {
    }

    public static Value text(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    public static MapValue map(Object... kv) {
        MapValue.Builder b = MapValue.newBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            b.putFields((String) kv[i], v instanceof Value val
                    ? val
                    : v instanceof MapValue m
                            ? Value.newBuilder().setMapValue(m).build()
                            : v instanceof Number n
                                    ? Value.newBuilder().setDoubleValue(n.doubleValue()).build()
                                    : text(String.valueOf(v)));
        }
        return b.build();
    }

    public static Timestamp now() {
        long ms = System.currentTimeMillis();
        return Timestamp.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
    }

    /**
     * A planned "Product Viewed" track event whose protobuf encoding is {@code size} bytes (the padding is an
     * unplanned property, which the plan allows: additionalProperties is true).
     */
    public static EventInput productViewed(String messageId, String userId, int size) {
        return track("Product Viewed", messageId, userId, size);
    }

    /**
     * A track event with Product Viewed's properties under the given name, from a logged-in user with an
     * anonymous id of their own (so that ingest also writes the identifier links of the event, as it does for
     * real SDK traffic: an event with a single identifier has nothing to link).
     */
    public static EventInput track(String name, String messageId, String userId, int size) {
        EventInput.Builder e = EventInput.newBuilder().setMessageId(messageId).setType(EventType.EVENT_TYPE_TRACK)
                .setEvent(name).setUserId(userId).setAnonymousId("anon-" + userId).setTimestamp(now())
                .setProperties(map("sku", "SKU-" + (messageId.hashCode() & 0xffff), "category", "bench", "price",
                        19.5));
        int missing = size - e.build().getSerializedSize() - 12;
        if (missing > 0) {
            e.setProperties(e.getProperties().toBuilder().putFields("note", text("x".repeat(missing))));
        }
        return e.build();
    }

    /** Every event ACCEPTED: the batch's event count; RETRY is back-pressure; anything else an error. */
    public static CompletionStage<Object> accepted(CompletionStage<IngestBatchResponse> response, int expected) {
        return response.thenCompose(r -> {
            List<EventResult> results = r.getResultsList();
            if (results.size() != expected) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        "expected " + expected + " results, got " + results.size()));
            }
            for (EventResult er : results) {
                if (er.getOutcome() == EventOutcome.EVENT_OUTCOME_RETRY) {
                    return CompletableFuture.failedFuture(new Backpressure("RETRY: " + er.getReason()));
                }
                if (er.getOutcome() != EventOutcome.EVENT_OUTCOME_ACCEPTED) {
                    return CompletableFuture.failedFuture(new IllegalStateException(
                            er.getOutcome() + " " + er.getReason() + " " + er.getViolationsList()));
                }
            }
            return CompletableFuture.completedFuture(expected);
        });
    }
}
