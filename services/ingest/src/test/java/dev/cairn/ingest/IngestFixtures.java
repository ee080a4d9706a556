package dev.cairn.ingest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.ManagedChannel;

import dev.cairn.ingest.service.JsonValues;
import dev.cairn.ingest.service.Source;
import dev.cairn.ingest.service.SourceRegistry;
import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.QuarantinedEvent;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestBatchResponse;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.testsupport.TestTokens;
import dev.cairn.testsupport.TopicReader;

/** Events and reads shared by the ingest tests. */
final class IngestFixtures {

    private IngestFixtures() {
    }

    /** The claim ingest reads a caller's sources from ({@code cairn.ingest.sources-claim}'s default). */
    static final String SOURCES_CLAIM = "cairn_sources";

    /** Every source of contracts/, as the local realm grants cairn-admin. */
    static final List<String> ALL_SOURCES = SourceRegistry.load(ContractSource.packaged()).all().stream()
            .map(Source::id).toList();

    /** A token with the role, granted every source: the tests whose subject is not the binding of sources. */
    static String token(String role) {
        return TestTokens.withClaims(Map.of(SOURCES_CLAIM, ALL_SOURCES), role);
    }

    /** A token with the role, granted exactly the given sources. */
    static String tokenFor(List<String> sources, String role) {
        return TestTokens.withClaims(Map.of(SOURCES_CLAIM, sources), role);
    }

    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    static MapValue json(String json) {
        try {
            return JsonValues.toMap(JsonValues.MAPPER.readTree(json));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A valid Order Completed v1 for the tracking plan. */
    static EventInput order(String messageId, String userId) {
        return EventInput.newBuilder().setMessageId(messageId).setType(EventType.EVENT_TYPE_TRACK)
                .setEvent("Order Completed").setUserId(userId)
                .setProperties(json("{\"order_id\": 9007199254740993, \"total\": 12.5, \"currency\": \"EUR\"}"))
                .build();
    }

    static IngestBatchResponse send(String source, List<EventInput> events) {
        ManagedChannel channel = TestChannels.open();
        try {
            return IngestServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(TestTokens.bearer(token("ingest.write")))
                    .ingestBatch(IngestBatchRequest.newBuilder().setSourceId(source).addAllEvents(events).build());
        } finally {
            channel.shutdownNow();
        }
    }

    static List<Event> governed(Predicate<Event> match, int atLeast, Duration timeout) {
        return read("cairn.events.governed.v1", match, atLeast, timeout);
    }

    static List<Event> read(String topic, Predicate<Event> match, int atLeast, Duration timeout) {
        return TopicReader.read(topic, r -> match.test(event(r)), atLeast, timeout).stream()
                .map(IngestFixtures::event).toList();
    }

    static List<QuarantinedEvent> quarantined(Predicate<QuarantinedEvent> match, int atLeast, Duration timeout) {
        return TopicReader.read("cairn.events.quarantine.v1", r -> match.test(quarantine(r)), atLeast, timeout)
                .stream().map(IngestFixtures::quarantine).toList();
    }

    /** The record as an Event; a record that is not one (other tests' fixtures) reads as an empty Event. */
    static Event event(ConsumerRecord<byte[], byte[]> record) {
        try {
            return Event.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            return Event.getDefaultInstance();
        }
    }

    static QuarantinedEvent quarantine(ConsumerRecord<byte[], byte[]> record) {
        try {
            return QuarantinedEvent.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
