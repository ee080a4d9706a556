package dev.cairn.platform.audit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.platform.kafka.KafkaClients;

/**
 * Records reads of personal data to the service's topic {@code cairn.audit.reads.<service>.v1}, off the RPC's path:
 * an RPC thread only offers a {@link PendingRead} to a bounded {@link ReadAuditBuffer}; one thread of this recorder
 * hashes the subjects (the suppression key's {@link SubjectKeys#suppressionHash}), encodes a {@code DataRead} and
 * hands it to a Kafka producer (built by {@link KafkaClients}, acks=all, idempotent), which batches by itself.
 * <p>
 * The policy when it cannot keep up: a read is never failed or slowed for its audit record. A record that finds the
 * buffer full, that Kafka refuses or does not take within {@link ReadAuditConfig#sendTimeout()}, or that is still
 * buffered when the service stops, is dropped and counted in {@code cairn_audit_reads_dropped_total{reason}}
 * (an alert fires on any); {@code cairn_audit_reads_sent_total} counts what Kafka acknowledged.
 * <p>
 * Started only in a service that declares {@link AuditedReads}.
 */
@ApplicationScoped
public class ReadAuditRecorder {

    private static final Logger LOG = Logger.getLogger(ReadAuditRecorder.class);

    @Inject
    ReadAuditConfig config;

    @Inject
    Instance<AuditedReads> declared;

    @Inject
    KafkaClients clients;

    @Inject
    MeterRegistry registry;

    private volatile ReadAuditBuffer<PendingRead> buffer;
    private KafkaProducer<String, byte[]> producer;
    private Counter sent;

    void start(@Observes StartupEvent start) {
        if (!config.enabled() || !declared.isResolvable()) {
            return;
        }
        String service = declared.get().service();
        String secret = config.subjectKey().filter(s -> !s.isBlank())
                .orElseThrow(() -> new IllegalStateException("cairn.read-audit.subject-key is not set: set "
                        + "CAIRN_SUPPRESSION_KEY to the secret consent hashes subjects with"));
        String topic = AuditedReads.topic(service);
        sent = registry.counter("cairn.audit.reads.sent");
        producer = clients.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.CLIENT_ID_CONFIG, "cairn-" + service + "-read-audit",
                // A few ms of batching costs nothing here (nobody waits for it) and saves requests at read rates.
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, config.sendTimeout().toMillis()),
                new StringSerializer(), new ByteArraySerializer());
        buffer = new ReadAuditBuffer<>("cairn-read-audit", config.bufferCapacity(), config.batchSize(),
                batch -> send(topic, secret, batch), this::dropped);
        LOG.infof("recording reads of personal data to %s", topic);
    }

    /** True if reads are being recorded here (the service declares reads and recording is on). */
    public boolean recording() {
        return buffer != null;
    }

    /** Hands a read over for recording; returns at once. False if it was dropped (counted). */
    public boolean record(PendingRead read) {
        ReadAuditBuffer<PendingRead> b = buffer;
        return b != null && b.offer(read);
    }

    /** Counts records that will never reach Kafka; also the interceptor's way to count a read it could not describe. */
    public void dropped(String reason, int records) {
        registry.counter("cairn.audit.reads.dropped", "reason", reason).increment(records);
    }

    private void send(String topic, String secret, List<PendingRead> batch) {
        for (PendingRead read : batch) {
            String id = UUID.randomUUID().toString();
            byte[] value = DataReadWire.encode(id, read, key -> SubjectKeys.suppressionHash(key, secret));
            // Keyed by the first subject's hash: one subject's reads through one service share a partition, so consent
            // stores them in the order they were read and GetAuditTrail (newest first by storage) lists them so.
            String key = SubjectKeys.suppressionHash(read.subjects().get(0).subjectKey(), secret);
            try {
                producer.send(new ProducerRecord<>(topic, key, value), (metadata, failure) -> {
                    if (failure == null) {
                        sent.increment();
                    } else {
                        LOG.errorf(failure, "dropped a read-audit record: Kafka did not take it");
                        dropped(ReadAuditBuffer.SEND_FAILED, 1);
                    }
                });
            } catch (KafkaException e) {
                // No metadata or no room in the producer within the send timeout (Kafka away): this record is
                // lost, the next ones are tried.
                LOG.errorf(e, "dropped a read-audit record: Kafka did not take it");
                dropped(ReadAuditBuffer.SEND_FAILED, 1);
            }
        }
    }

    @PreDestroy
    void stop() {
        ReadAuditBuffer<PendingRead> b = buffer;
        if (b == null) {
            return;
        }
        b.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
    }
}
