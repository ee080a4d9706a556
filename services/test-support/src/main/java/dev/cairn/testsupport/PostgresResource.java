package dev.cairn.testsupport;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Points the service under test at the real test PostgreSQL, for both the reactive and the JDBC (Flyway) pool. */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        PostgresServer pg = RealInfra.postgres();
        return Map.of("quarkus.datasource.reactive.url", pg.reactiveUrl(), "quarkus.datasource.jdbc.url", pg.jdbcUrl(),
                "quarkus.datasource.username", PostgresServer.USER, "quarkus.datasource.password", "unused");
    }

    @Override
    public void stop() {
        // Stopped with the test JVM (RealInfra).
    }
}
