package dev.cairn.segments.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;

import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.platform.kafka.KafkaClients;
import dev.cairn.proto.events.v1.MembershipChange;
import dev.cairn.proto.segments.v1.WatchMembershipChangesRequest;
import dev.cairn.proto.segments.v1.WatchMembershipChangesResponse;
import dev.cairn.segments.SegmentsConfig;
import dev.cairn.segments.definition.SegmentCatalog;

/**
 * Streams `cairn.segments.changes.v1` to a watcher. Each watch reads the topic with its own consumer, assigned
 * every partition (no consumer group: watchers do not share work, and resuming is the client's business);
 * the resume token is the next offset of every partition, so a reconnecting client continues exactly after
 * the last change it received.
 */
@ApplicationScoped
public class ChangeWatcher {

    private static final Logger LOG = Logger.getLogger(ChangeWatcher.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    @Inject
    SegmentsConfig config;
    @Inject
    SegmentCatalog catalog;

    @Inject
    KafkaClients kafka;

    public Multi<WatchMembershipChangesResponse> watch(WatchMembershipChangesRequest request) {
        for (int i = 0; i < request.getSegmentIdsCount(); i++) {
            if (catalog.get(request.getSegmentIds(i)).isEmpty()) {
                return Multi.createFrom().failure(new InvalidRequestException("segment_ids[" + i + "]",
                        "no segment '" + request.getSegmentIds(i) + "' in contracts/segments/"));
            }
        }
        Map<Integer, Long> resume;
        try {
            resume = request.hasResumeToken() ? decode(request.getResumeToken()) : null;
        } catch (RuntimeException e) {
            return Multi.createFrom().failure(new InvalidRequestException(List.of(
                    new FieldViolation("resume_token", "not a resume token this service returned"))));
        }
        Set<String> segments = Set.copyOf(request.getSegmentIdsList());
        Map<Integer, Long> start = resume;
        return Multi.createFrom().emitter(emitter -> {
            Thread t = new Thread(() -> run(emitter, segments, start, request),
                    "segments-watch-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            t.start();
        });
    }

    private void run(MultiEmitter<? super WatchMembershipChangesResponse> emitter, Set<String> segments,
            Map<Integer, Long> resume, WatchMembershipChangesRequest request) {
        Map<String, Object> props = Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // Only committed changes: a change of an aborted Streams transaction never happened.
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        String topic = config.topics().changes();
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            Map<Integer, Long> positions = new TreeMap<>();
            if (resume != null) {
                for (TopicPartition tp : partitions) {
                    consumer.seek(tp, resume.getOrDefault(tp.partition(), 0L));
                }
            } else if (request.hasPublishedSince()) {
                Map<TopicPartition, Long> query = new HashMap<>();
                partitions.forEach(tp -> query.put(tp, ProfileEngine.millis(request.getPublishedSince())));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
                consumer.seekToEnd(partitions);
                for (TopicPartition tp : partitions) {
                    if (found.get(tp) != null) {
                        consumer.seek(tp, found.get(tp).offset());
                    }
                }
            } else {
                consumer.seekToEnd(partitions);
            }
            for (TopicPartition tp : partitions) {
                positions.put(tp.partition(), consumer.position(tp));
            }
            while (!emitter.isCancelled()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    positions.put(r.partition(), r.offset() + 1);
                    MembershipChange c;
                    try {
                        c = MembershipChange.parseFrom(r.value());
                    } catch (InvalidProtocolBufferException | NullPointerException e) {
                        continue;
                    }
                    if (segments.isEmpty() || segments.contains(c.getSegmentId())) {
                        emitter.emit(WatchMembershipChangesResponse.newBuilder().setChange(c)
                                .setResumeToken(encode(positions)).build());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("membership watch ended: %s", e.getMessage());
            emitter.fail(e);
        }
    }

    static String encode(Map<Integer, Long> positions) {
        StringBuilder b = new StringBuilder();
        positions.forEach((p, o) -> b.append(b.length() == 0 ? "" : ",").append(p).append('=').append(o));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Map<Integer, Long> decode(String token) {
        Map<Integer, Long> positions = new TreeMap<>();
        String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        for (String part : text.split(",")) {
            String[] kv = part.split("=");
            positions.put(Integer.parseInt(kv[0]), Long.parseLong(kv[1]));
        }
        return positions;
    }
}
