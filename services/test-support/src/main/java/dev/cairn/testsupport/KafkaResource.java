package dev.cairn.testsupport;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import dev.cairn.platform.kafka.KafkaAccess;

/**
 * Points the service under test at the real test broker (topics and ACLs from the catalogue already created), as its
 * own principal: {@code @QuarkusTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "service",
 * value = "ingest"))}. The service then has exactly the Kafka rights it has in production, so a topic it reads or
 * writes without an ACL fails its tests instead of a deployment.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    private String service;

    @Override
    public void init(Map<String, String> initArgs) {
        service = initArgs.get("service");
        if (service == null) {
            throw new IllegalArgumentException("KafkaResource needs initArgs service=<the service under test>");
        }
    }

    @Override
    public Map<String, String> start() {
        return properties(service);
    }

    /** The configuration that makes a service connect to the test broker as itself (for a packaged service too). */
    public static Map<String, String> properties(String service) {
        KafkaBroker kafka = RealInfra.kafka();
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        // Provisioned by RealInfra as the operator; the service may not create topics.
        config.put("cairn.kafka.provision-topics", "false");
        kafka.securityProperties(service).forEach((k, v) -> config.put("kafka." + k, v));
        if (KafkaAccess.STREAMS_APPLICATIONS.contains(service)) {
            // Kafka Streams takes its own keys (as the chart's QUARKUS_KAFKA_STREAMS_* do), not kafka.*.
            Map<String, String> security = kafka.securityProperties(service);
            config.put("quarkus.kafka-streams.security.protocol", security.get("security.protocol"));
            config.put("quarkus.kafka-streams.sasl.mechanism", security.get("sasl.mechanism"));
            config.put("quarkus.kafka-streams.sasl.jaas-config", security.get("sasl.jaas.config"));
        }
        return config;
    }

    @Override
    public void stop() {
        // The broker outlives a single Quarkus boot: RealInfra stops it when the test JVM exits.
    }
}
