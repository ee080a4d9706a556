package dev.cairn.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.DeserializationHandlerResponse;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.ProcessingHandlerResponse;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.ProductionExceptionHandlerResponse;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * What the Kafka Streams handler answers for each kind of failure, and what it hands to the dead-letter writer.
 * Storing the letter on Kafka is {@link DeadLetters#deadLetterNow}'s part, shown on a real broker by segments'
 * poison tests; here the writer only records what it was given.
 */
class StreamsDeadLetterHandlerTest {

    private record Written(String consumer, DeadLetters.Letter letter, DeadLetterReason reason) {
    }

    private final List<Written> written = new ArrayList<>();
    private final StreamsDeadLetterHandler handler = new StreamsDeadLetterHandler("segments",
            (consumer, letter, reason, cause) -> written.add(new Written(consumer, letter, reason)), 3);

    /** The context Kafka Streams gives a handler for a record of {@code topic} at {@code offset}. */
    private static ErrorHandlerContext context(String topic, long offset, byte[] rawKey, byte[] rawValue) {
        Headers headers = new RecordHeaders().add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
        return new ErrorHandlerContext() {
            public String topic() {
                return topic;
            }

            public int partition() {
                return 2;
            }

            public long offset() {
                return offset;
            }

            public Headers headers() {
                return headers;
            }

            public String processorNodeId() {
                return "node";
            }

            public TaskId taskId() {
                return new TaskId(0, 2);
            }

            public long timestamp() {
                return 0;
            }

            public byte[] sourceRawKey() {
                return rawKey;
            }

            public byte[] sourceRawValue() {
                return rawValue;
            }
        };
    }

    private static final Record<String, String> RECORD = new Record<>("k", "v", 0);

    @Test
    void an_unparsable_record_is_dead_lettered_as_consumed_and_the_stream_goes_on() {
        byte[] key = "user_id:u-1".getBytes(StandardCharsets.UTF_8);
        byte[] value = {1, 2, 3};
        var response = handler.handle(context("cairn.events.governed.v1", 41, key, value), RECORD,
                new UnprocessableRecordException(DeadLetterReason.UNPARSABLE, "not an Event",
                        new InvalidProtocolBufferException("truncated")));
        assertEquals(ProcessingHandlerResponse.CONTINUE, response);
        assertEquals(1, written.size());
        Written w = written.get(0);
        assertEquals("segments", w.consumer());
        assertEquals(DeadLetterReason.UNPARSABLE, w.reason());
        assertEquals("cairn.events.governed.v1", w.letter().topic());
        assertEquals(2, w.letter().partition());
        assertEquals(41, w.letter().offset());
        assertArrayEquals(key, w.letter().key());
        assertArrayEquals(value, w.letter().value());
        assertEquals("00-abc", new String(w.letter().headers().lastHeader("traceparent").value(),
                StandardCharsets.UTF_8));
    }

    @Test
    void a_dependency_that_is_away_fails_the_task_so_that_the_record_is_tried_again_and_never_dead_lettered() {
        for (int i = 0; i < 10; i++) {
            assertEquals(ProcessingHandlerResponse.FAIL, handler.handle(context("t", 7, null, new byte[]{1}), RECORD,
                    new IllegalStateException("redis", new ConnectException("Connection refused"))));
        }
        assertTrue(written.isEmpty());
    }

    @Test
    void a_failure_of_no_known_kind_is_tried_again_a_few_times_then_dead_lettered() {
        RuntimeException odd = new ArithmeticException("long overflow");
        assertEquals(ProcessingHandlerResponse.FAIL, handler.handle(context("t", 8, null, null), RECORD, odd));
        assertEquals(ProcessingHandlerResponse.FAIL, handler.handle(context("t", 8, null, null), RECORD, odd));
        assertTrue(written.isEmpty());
        assertEquals(ProcessingHandlerResponse.CONTINUE, handler.handle(context("t", 8, null, null), RECORD, odd));
        assertEquals(DeadLetterReason.UNPROCESSABLE, written.get(0).reason());
    }

    @Test
    void bytes_a_deserializer_refuses_are_unparsable_even_if_it_says_io() {
        ConsumerRecord<byte[], byte[]> raw = new ConsumerRecord<>("cairn.segments.profile-commands.v1", 1, 5,
                "k".getBytes(StandardCharsets.UTF_8), new byte[]{9});
        var response = handler.handle(context(raw.topic(), 5, raw.key(), raw.value()), raw,
                new UncheckedIOException(new java.io.EOFException()));
        assertEquals(DeserializationHandlerResponse.CONTINUE, response);
        assertEquals(DeadLetterReason.UNPARSABLE, written.get(0).reason());
        assertEquals(5, written.get(0).letter().offset());
    }

    @Test
    void a_punctuation_has_no_record_to_set_aside_and_fails() {
        assertEquals(ProcessingHandlerResponse.FAIL,
                handler.handle(context(null, -1, null, null), (Record<?, ?>) null, new IllegalStateException("boom")));
        assertTrue(written.isEmpty());
    }

    @Test
    void a_send_the_broker_refused_is_retried_or_fails_and_a_record_the_serializer_refuses_is_dead_lettered() {
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>("cairn.segments.changes.v1", new byte[]{1});
        assertEquals(ProductionExceptionHandlerResponse.RETRY,
                handler.handle(context("t", 1, null, null), out, new NotEnoughReplicasException("isr")));
        assertEquals(ProductionExceptionHandlerResponse.FAIL,
                handler.handle(context("t", 1, null, null), out, new RecordTooLargeException("big")));
        assertTrue(written.isEmpty());
        assertEquals(ProductionExceptionHandlerResponse.CONTINUE, handler.handleSerializationException(
                context("cairn.identity.changes.v1", 3, null, new byte[]{4}), new ProducerRecord<>("x", "v"),
                new UncheckedIOException(new java.io.UTFDataFormatException("encoded string too long")),
                SerializationExceptionOrigin.VALUE));
        assertEquals("cairn.identity.changes.v1", written.get(0).letter().topic());
    }

    @Test
    void a_failed_stream_thread_is_replaced_after_a_backoff_that_grows_while_failures_keep_coming() {
        StreamsThreadReplacement replacement = new StreamsThreadReplacement(Duration.ofMillis(1),
                Duration.ofMillis(4));
        assertEquals(Duration.ofMillis(1), replacement.nextBackoff(1_000));
        assertEquals(Duration.ofMillis(2), replacement.nextBackoff(1_010));
        assertEquals(Duration.ofMillis(4), replacement.nextBackoff(1_020));
        assertEquals(Duration.ofMillis(4), replacement.nextBackoff(1_030));
        assertEquals(Duration.ofMillis(1), replacement.nextBackoff(1_030 + 61_000), "reset after a quiet minute");
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD,
                replacement.handle(new IllegalStateException("redis away")));
    }
}
