package dev.cairn.ingest.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

import dev.cairn.platform.CairnConfig;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.TopicCatalog;
import dev.cairn.platform.contracts.TopicSpec;
import dev.cairn.platform.kafka.KafkaClients;

/** Builds the pipeline from the contracts and the secrets at start; a bad contract stops the service. */
@Singleton
public class IngestWiring {

    private static final Logger LOG = Logger.getLogger(IngestWiring.class);

    @Produces
    @Singleton
    ContractSource contracts(CairnConfig cairn) {
        return ContractSource.of(cairn.contractsDir());
    }

    @Produces
    @Singleton
    SourceRegistry sources(ContractSource contracts, ConsentPolicy consent) {
        SourceRegistry sources = SourceRegistry.load(contracts);
        var unknown = sources.all().stream().filter(s -> !consent.isJurisdiction(s.defaultJurisdiction()))
                .map(s -> "sources[" + s.id() + "].default_jurisdiction: '" + s.defaultJurisdiction()
                        + "' is not a jurisdiction of contracts/consent/policy.yaml " + consent.jurisdictions())
                .toList();
        if (!unknown.isEmpty()) {
            throw new dev.cairn.platform.contracts.ContractViolationException(SourceRegistry.FILE, unknown);
        }
        return sources;
    }

    @Produces
    @Singleton
    TrackingPlan trackingPlan(ContractSource contracts) {
        return TrackingPlan.load(contracts);
    }

    @Produces
    @Singleton
    PiiPolicy piiPolicy(ContractSource contracts, ConsentPolicy consent, IngestConfig config) {
        return PiiPolicy.load(contracts, TopicCatalog.load(contracts).topics().stream().map(TopicSpec::name)
                .collect(Collectors.toSet()), consent.purposes(), hashingKey(config));
    }

    @Produces
    @Singleton
    TransactionalPublisher publisher(KafkaClients kafka, IngestConfig config, MeterRegistry registry) {
        var group = config.groupCommit();
        TransactionalPublisher publisher = new TransactionalPublisher(kafka.config(Map.of()), instanceId(config),
                config.producers(), config.producerAcquireTimeout(),
                new TransactionalPublisher.GroupCommit(group.maxWait(), group.maxRecords(), group.maxBytes()),
                Map.of());
        IngestMetrics.bind(registry, publisher);
        return publisher;
    }

    /** See {@link IngestConfig#instanceId()}. */
    static String instanceId(IngestConfig config) {
        return config.instanceId().filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(System.getenv("HOSTNAME")).filter(s -> !s.isBlank()))
                .orElseGet(() -> {
                    try {
                        return java.net.InetAddress.getLocalHost().getHostName();
                    } catch (java.net.UnknownHostException e) {
                        throw new IllegalStateException("no cairn.ingest.instance-id, no HOSTNAME and no host name:"
                                + " set cairn.ingest.instance-id (CAIRN_INGEST_INSTANCE_ID)", e);
                    }
                });
    }

    void close(@Disposes TransactionalPublisher publisher) {
        publisher.close();
    }

    @Produces
    @Singleton
    Deduplicator deduplicator(io.vertx.mutiny.redis.client.Redis redis, IngestConfig config) {
        return new Deduplicator(redis, config.dedupWindow(), config.dedupInFlight());
    }

    @Produces
    @Singleton
    DedupRecovery dedupRecovery(Deduplicator dedup, KafkaClients kafka, IngestConfig config) {
        return new DedupRecovery(new TopicScan(kafka.config(Map.of())), dedup, config.dedupInFlight(),
                java.time.Clock.systemUTC());
    }

    /**
     * Recovers the dedup marks a crash left in flight, once the publisher exists: its initTransactions fenced this
     * instance's previous life, so what that life committed is readable. In the background: until it is done, a
     * retry of such an event is answered RETRY, which is honest.
     */
    void recoverDedupOnStart(@Observes StartupEvent start, IngestConfig config, TransactionalPublisher publisher,
            DedupRecovery recovery) {
        if (!config.dedupRecoverOnStart()) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                recovery.recover();
                // Again once the transaction timeout has ended any transaction a replaced pod (another instance id,
                // which this start did not fence) left open: until then it held back what the first pass could read.
                Thread.sleep(TransactionalPublisher.TRANSACTION_TIMEOUT.plusSeconds(5).toMillis());
                recovery.recover();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warnf(e, "dedup recovery failed: a retry of an event stored just before the last crash may be"
                        + " stored again once its reservation expires");
            }
        }, "dedup-recovery");
        t.setDaemon(true);
        t.start();
    }

    @Produces
    @Singleton
    EventIngestor ingestor(SourceRegistry sources, TrackingPlan plan, PiiPolicy pii, ConsentStateView consent,
            Deduplicator dedup, TransactionalPublisher publisher, MeterRegistry registry, IngestConfig config) {
        return new EventIngestor(sources, plan, pii, new ConsentGate(consent), dedup,
                new RecentLinks(config.links().recentWindow(), config.links().recentMax()), publisher, new RateLimits(),
                new IngestMetrics(registry, plan), config);
    }

    @Produces
    @Singleton
    OperatorJobs operatorJobs(EventIngestor ingestor, KafkaClients kafka, dev.cairn.ingest.http.HttpIngestConfig http) {
        var reader = dev.cairn.ingest.http.SegmentEventReader.of(http);
        return new OperatorJobs(ingestor, kafka.config(Map.of()), quarantined -> {
            // A quarantined HTTP item is one JSON event; read it back as a batch of one.
            try {
                byte[] batch = ("{\"batch\":[" + quarantined.getPayload().toStringUtf8() + "]}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                var items = reader.read(batch, dev.cairn.ingest.http.SegmentEventReader.Endpoint.BATCH).items();
                return items.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(items.get(0));
            } catch (Exception e) {
                return java.util.Optional.empty();
            }
        });
    }

    static byte[] hashingKey(IngestConfig config) {
        String base64 = config.piiHashingKey().orElseGet(() -> {
            Path file = Path.of(config.piiHashingKeyFile());
            try {
                return Files.readString(file).trim();
            } catch (IOException e) {
                throw new IllegalStateException("no PII hashing key: set cairn.ingest.pii-hashing-key or provide "
                        + file + " (./cairn up generates it; Kubernetes mounts it from a Secret)", e);
            }
        });
        return Base64.getDecoder().decode(base64);
    }
}
