package dev.cairn.testsupport;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Points the service under test at the real test broker (topics from the catalogue already created). */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", RealInfra.kafka().bootstrapServers());
    }

    @Override
    public void stop() {
        // The broker outlives a single Quarkus boot: RealInfra stops it when the test JVM exits.
    }
}
