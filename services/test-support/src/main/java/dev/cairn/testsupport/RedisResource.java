package dev.cairn.testsupport;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Points the service under test at the real test Redis. */
public class RedisResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("quarkus.redis.hosts", RealInfra.redis().url());
    }

    @Override
    public void stop() {
        // Stopped with the test JVM (RealInfra).
    }
}
