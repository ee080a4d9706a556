package dev.cairn.platform.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.quarkus.arc.Arc;
import io.smallrye.config.SmallRyeConfig;

import dev.cairn.platform.kafka.DeadLetters.Letter;
import dev.cairn.platform.kafka.RecordFailures.Kind;
import dev.cairn.platform.kafka.RecordFailures.Verdict;

/**
 * {@link DeadLetters} for Kafka Streams: the one handler a topology names for
 * {@code deserialization.exception.handler}, {@code processing.exception.handler} and
 * {@code production.exception.handler}, with {@code cairn.dead-letters.consumer} naming the consumer (its
 * dead-letter topic and metric label). A record that can never be processed is copied to the dead-letter topic as
 * it was consumed (the source record's raw key and value, headers, topic, partition and offset) and the stream
 * goes on ({@code CONTINUE}); a failure a retry can cure ({@link RecordFailures}: Redis, PostgreSQL or Kafka away)
 * answers {@code FAIL}, so that the task's transaction aborts and the record is processed again once the stream
 * thread is replaced ({@link StreamsThreadReplacement}); a failure of no known kind fails the first
 * {@link DeadLetterConfig#unknownFailureAttempts()} - 1 times, then is dead-lettered.
 * <p>
 * What is not a record's fault stays a failure: a punctuation (no record to set aside), and a send the broker
 * refused (under exactly-once the transaction aborts whatever the handler answers, so skipping it is impossible;
 * a retriable one answers {@code RETRY}). A record the topology's own serializer cannot write is the source
 * record's fault and is dead-lettered.
 * <p>
 * Kafka Streams frees a source record's raw bytes once the task has sent anything for it, so a record that fails
 * after its first output is dead-lettered without its value (the headers still name its topic, partition and
 * offset, where it stays for the topic's retention).
 */
public class StreamsDeadLetterHandler
        implements
            DeserializationExceptionHandler,
            ProcessingExceptionHandler,
            ProductionExceptionHandler {

    /** Streams property naming the consumer (as in {@code cairn.dead-letters.<consumer>.v1}). */
    public static final String CONSUMER_CONFIG = "cairn.dead-letters.consumer";

    private static final Logger LOG = Logger.getLogger(StreamsDeadLetterHandler.class);
    /** Bounds {@link #UNKNOWN_FAILURES}: records fail rarely, and a cleared count only costs extra attempts. */
    private static final int MAX_TRACKED = 10_000;
    /**
     * Failures of no known kind per record, across handler instances: Kafka Streams makes new ones for the tasks of
     * a replaced thread, which is exactly when the record is tried again.
     */
    private static final Map<String, Integer> UNKNOWN_FAILURES = new ConcurrentHashMap<>();

    /** Where a dead letter goes: {@link DeadLetters#deadLetterNow}, which throws if Kafka did not take it. */
    @FunctionalInterface
    public interface Writer {
        void deadLetterNow(String consumer, Letter letter, DeadLetterReason reason, Throwable cause);
    }

    private String consumer;
    private Writer writer;
    private int unknownFailureAttempts;

    /** For Kafka Streams, which configures it from its properties and the application's {@link DeadLetters}. */
    public StreamsDeadLetterHandler() {
    }

    public StreamsDeadLetterHandler(String consumer, Writer writer, int unknownFailureAttempts) {
        this.consumer = consumer;
        this.writer = writer;
        this.unknownFailureAttempts = unknownFailureAttempts;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        if (writer != null) {
            return;
        }
        Object name = configs.get(CONSUMER_CONFIG);
        if (name == null || name.toString().isBlank()) {
            throw new IllegalStateException(
                    "set " + CONSUMER_CONFIG + " (kafka-streams." + CONSUMER_CONFIG + "): the consumer whose "
                            + "dead-letter topic takes the records the topology cannot process");
        }
        if (Arc.container() == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " needs a running Quarkus application");
        }
        DeadLetters deadLetters = Arc.container().instance(DeadLetters.class).get();
        if (deadLetters == null) {
            throw new IllegalStateException("no DeadLetters bean: " + getClass().getSimpleName()
                    + " needs platform's dev.cairn.platform.kafka.DeadLetters in the application");
        }
        consumer = name.toString();
        writer = deadLetters::deadLetterNow;
        unknownFailureAttempts = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class)
                .getConfigMapping(DeadLetterConfig.class).unknownFailureAttempts();
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
            Exception exception) {
        // Our deserializers read bytes and nothing else: whatever they throw, the bytes are at fault.
        writer.deadLetterNow(consumer, Letter.of(record), DeadLetterReason.UNPARSABLE, exception);
        return DeserializationHandlerResponse.CONTINUE;
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (record == null || context.topic() == null) {
            LOG.errorf(exception, "%s: a punctuation of %s failed; no record to set aside, failing the task", consumer,
                    context.processorNodeId());
            return ProcessingHandlerResponse.FAIL;
        }
        return setAside(letter(context), exception)
                ? ProcessingHandlerResponse.CONTINUE
                : ProcessingHandlerResponse.FAIL;
    }

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context,
            ProducerRecord<byte[], byte[]> record, Exception exception) {
        return exception instanceof RetriableException
                ? ProductionExceptionHandlerResponse.RETRY
                : ProductionExceptionHandlerResponse.FAIL;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public ProductionExceptionHandlerResponse handleSerializationException(ErrorHandlerContext context,
            ProducerRecord record, Exception exception, SerializationExceptionOrigin origin) {
        if (context.topic() == null) {
            return ProductionExceptionHandlerResponse.FAIL; // written by a punctuation: no source record
        }
        writer.deadLetterNow(consumer, letter(context), DeadLetterReason.UNPROCESSABLE, exception);
        return ProductionExceptionHandlerResponse.CONTINUE;
    }

    /** True once the record is dead-lettered; false when it should be tried again. */
    private boolean setAside(Letter letter, Exception exception) {
        Verdict verdict = RecordFailures.classify(exception);
        String at = letter.topic() + "-" + letter.partition() + "@" + letter.offset();
        if (verdict.kind() == Kind.TRANSIENT) {
            LOG.warnf("%s: %s failed for now, failing the task to try it again: %s", consumer, at, exception);
            return false;
        }
        String key = consumer + "/" + at;
        if (verdict.kind() == Kind.UNKNOWN) {
            if (UNKNOWN_FAILURES.size() > MAX_TRACKED) {
                UNKNOWN_FAILURES.clear();
            }
            int failures = UNKNOWN_FAILURES.merge(key, 1, Integer::sum);
            if (failures < unknownFailureAttempts) {
                LOG.warnf(exception, "%s: %s failed (%d of %d attempts), failing the task to try it again", consumer,
                        at, failures, unknownFailureAttempts);
                return false;
            }
        }
        writer.deadLetterNow(consumer, letter, verdict.reason(), exception);
        UNKNOWN_FAILURES.remove(key);
        return true;
    }

    private static Letter letter(ErrorHandlerContext context) {
        return new Letter(context.topic(), context.partition(), context.offset(), context.sourceRawKey(),
                context.sourceRawValue(), context.headers());
    }
}
