package dev.cairn.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.TopicCatalog;
import dev.cairn.platform.kafka.TopicProvisioner;

/**
 * The real servers of one test JVM, each started on first use and stopped when the JVM exits, so that
 * every test class of a module shares them and Quarkus boots once.
 */
public final class RealInfra {

    private static Path workDir;
    private static KafkaBroker kafka;
    private static RedisServer redis;
    private static PostgresServer postgres;

    private RealInfra() {
    }

    public static synchronized KafkaBroker kafka() {
        if (kafka == null) {
            kafka = KafkaBroker.start(workDir());
            // Registered first: a failure below must not leave the broker's JVM running after the tests.
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "stop-kafka"));
            try (Admin admin = Admin
                    .create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                TopicProvisioner.ensure(admin, TopicCatalog.load(ContractSource.packaged()), (short) 1);
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the topic catalogue on the test broker", e);
            }
        }
        return kafka;
    }

    public static synchronized RedisServer redis() {
        if (redis == null) {
            redis = RedisServer.start(workDir());
            Runtime.getRuntime().addShutdownHook(new Thread(redis::close, "stop-redis"));
        }
        return redis;
    }

    public static synchronized PostgresServer postgres() {
        if (postgres == null) {
            postgres = PostgresServer.start(workDir());
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "stop-postgres"));
        }
        return postgres;
    }

    private static Path workDir() {
        if (workDir == null) {
            try {
                workDir = Files.createTempDirectory("cairn-test-infra-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return workDir;
    }
}
