package dev.cairn.ingest.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import dev.cairn.proto.ingest.v1.EventInput;

class EventTimeTest {

    private static final Instant RECEIVED = Instant.parse("2026-11-22T12:00:00Z");

    private static EventInput at(String time) {
        Instant t = Instant.parse(time);
        return EventInput.newBuilder().setTimestamp(Timestamp.newBuilder().setSeconds(t.getEpochSecond())).build();
    }

    @Test
    void a_client_clock_two_hours_fast_is_corrected_by_the_send_delay() {
        // The event happened 30 s before the batch was sent; the client's clock is 2 h ahead.
        EventInput e = at("2026-11-22T13:59:30Z");
        Instant corrected = EventIngestor.eventTime(e, Optional.of(Instant.parse("2026-11-22T14:00:00Z")),
                RECEIVED);
        assertEquals(Instant.parse("2026-11-22T11:59:30Z"), corrected);
    }

    @Test
    void a_late_event_keeps_its_event_time() {
        EventInput e = at("2026-11-20T08:00:00Z");
        assertEquals(Instant.parse("2026-11-20T08:00:00Z"),
                EventIngestor.eventTime(e, Optional.empty(), RECEIVED));
    }

    @Test
    void without_a_timestamp_the_receive_time_is_the_event_time() {
        assertEquals(RECEIVED,
                EventIngestor.eventTime(EventInput.getDefaultInstance(), Optional.empty(), RECEIVED));
    }
}
