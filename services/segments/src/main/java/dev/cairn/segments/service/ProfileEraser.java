package dev.cairn.segments.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;

import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.platform.kafka.KafkaClients;
import dev.cairn.proto.segments.v1.EraseProfilesRequest;
import dev.cairn.proto.segments.v1.EraseProfilesResponse;
import dev.cairn.segments.SegmentsConfig;
import dev.cairn.segments.store.MembershipReader;
import dev.cairn.segments.store.MembershipStore;
import dev.cairn.segments.streams.ProfileCommand;

/**
 * Erases profiles by sending an erase command to each profile's partition of the command topic, so the
 * erasure is ordered with the profile's other inputs and happens in the Streams transaction that drops its
 * state (LEFT changes with cause ERASURE, Redis keys deleted). The answer counts what was there when the
 * request came; a repeated request id gets the first answer again.
 */
@ApplicationScoped
public class ProfileEraser {

    @Inject
    SegmentsConfig config;
    @Inject
    MembershipReader reader;
    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    KafkaClients kafka;

    private volatile KafkaProducer<String, byte[]> producer;

    public Uni<EraseProfilesResponse> erase(EraseProfilesRequest request) {
        List<FieldViolation> violations = new ArrayList<>();
        if (request.getErasureRequestId().isBlank()) {
            violations.add(new FieldViolation("erasure_request_id", "required"));
        }
        if (request.getProfileIdsCount() == 0) {
            violations.add(new FieldViolation("profile_ids", "must not be empty"));
        }
        for (int i = 0; i < request.getProfileIdsCount(); i++) {
            if (request.getProfileIds(i).isBlank()) {
                violations.add(new FieldViolation("profile_ids[" + i + "]", "must not be empty"));
            }
        }
        if (!violations.isEmpty()) {
            return Uni.createFrom().failure(new InvalidRequestException(violations));
        }
        String doneKey = MembershipStore.PREFIX + "erasure:" + request.getErasureRequestId();
        return redis.execute("GET", doneKey).chain(done -> {
            if (done != null) {
                String[] p = done.toString().split("\\|");
                return Uni.createFrom().item(EraseProfilesResponse.newBuilder()
                        .setMembershipsRemoved(Integer.parseInt(p[0])).setProfilesErased(Integer.parseInt(p[1]))
                        .build());
            }
            List<Uni<int[]>> counts = new ArrayList<>();
            for (String profileId : request.getProfileIdsList()) {
                counts.add(reader.memberships(profileId).chain(ms -> reader.traits(profileId).map(ts -> {
                    int members = (int) ms.stream().filter(MembershipReader.StoredMembership::member).count();
                    return new int[]{members, (members > 0 || !ts.isEmpty() || !ms.isEmpty()) ? 1 : 0};
                })));
            }
            return Uni.join().all(counts).andFailFast().chain(list -> {
                int removed = list.stream().mapToInt(c -> c[0]).sum();
                int erased = list.stream().mapToInt(c -> c[1]).sum();
                List<CompletableFuture<Void>> sends = new ArrayList<>();
                for (String profileId : request.getProfileIdsList()) {
                    sends.add(send(profileId, ProfileCommand.erase(request.getErasureRequestId())));
                }
                return Uni.createFrom()
                        .completionStage(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)))
                        .chain(x -> redis.execute("SET", doneKey, removed + "|" + erased, "EX",
                                Long.toString(30L * 24 * 3600)))
                        .map(x -> EraseProfilesResponse.newBuilder().setMembershipsRemoved(removed)
                                .setProfilesErased(erased).build());
            });
        });
    }

    private CompletableFuture<Void> send(String profileId, ProfileCommand command) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        producer().send(new ProducerRecord<>(config.topics().profileCommands(), profileId,
                ProfileCommand.SERDE.serializer().serialize(null, command)), (md, e) -> {
                    if (e != null) {
                        done.completeExceptionally(e);
                    } else {
                        done.complete(null);
                    }
                });
        return done;
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = kafka.producer(
                            Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                            new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer());
                }
            }
        }
        return producer;
    }

    @PreDestroy
    void close() {
        if (producer != null) {
            producer.close();
        }
    }
}
