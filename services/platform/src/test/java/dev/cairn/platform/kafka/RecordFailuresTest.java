package dev.cairn.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ConnectException;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.cairn.platform.kafka.RecordFailures.Kind;

class RecordFailuresTest {

    /** What Vert.x's PgException and Hibernate's wrappers look like to the classifier: a SQLSTATE, wrapped. */
    static final class StoreError extends RuntimeException {
        private final String state;

        StoreError(String state) {
            super("ERROR: (" + state + ")");
            this.state = state;
        }

        public String getSqlState() {
            return state;
        }
    }

    private static RuntimeException wrapped(Throwable cause) {
        return new RuntimeException("HR000138: transaction failed", new IllegalStateException("flush", cause));
    }

    @Test
    void a_nul_byte_or_a_broken_constraint_is_the_records_fault_wherever_it_is_wrapped() {
        assertEquals(Kind.PERMANENT, RecordFailures.classify(wrapped(new StoreError("22021"))).kind());
        assertEquals(DeadLetterReason.REJECTED_BY_STORE,
                RecordFailures.classify(wrapped(new StoreError("23505"))).reason());
        assertEquals(Kind.PERMANENT, RecordFailures.classify(new StoreError("22008")).kind());
    }

    @Test
    void a_database_that_is_away_or_busy_is_waited_for() {
        for (String state : new String[]{"08006", "40001", "40P01", "53300", "57P01", "55P03"}) {
            assertEquals(Kind.TRANSIENT, RecordFailures.classify(wrapped(new StoreError(state))).kind(), state);
        }
        assertEquals(Kind.TRANSIENT,
                RecordFailures.classify(wrapped(new ConnectException("Connection refused"))).kind());
        assertEquals(Kind.TRANSIENT, RecordFailures
                .classify(new org.apache.kafka.common.errors.TimeoutException("metadata")).kind());
    }

    @Test
    void unparsable_bytes_and_a_consumers_own_refusal_are_dead_lettered_at_once() {
        assertEquals(DeadLetterReason.UNPARSABLE,
                RecordFailures.classify(wrapped(new InvalidProtocolBufferException("truncated"))).reason());
        var invalid = RecordFailures
                .classify(new UnprocessableRecordException(DeadLetterReason.INVALID, "no identifiers"));
        assertEquals(Kind.PERMANENT, invalid.kind());
        assertEquals(DeadLetterReason.INVALID, invalid.reason());
    }

    @Test
    void an_error_of_no_known_kind_is_neither_waited_for_forever_nor_dead_lettered_at_once() {
        var verdict = RecordFailures.classify(new java.time.DateTimeException("year out of range"));
        assertEquals(Kind.UNKNOWN, verdict.kind());
        assertEquals(DeadLetterReason.UNPROCESSABLE, verdict.reason());
    }
}
