package dev.cairn.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.TopicCatalog;
import dev.cairn.platform.kafka.KafkaProvisioning;

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
            // As an operator would, before any service starts: the services' ACLs, then the catalogue's topics.
            try (Admin admin = Admin.create(kafka.operatorConfig(Map.of()))) {
                KafkaProvisioning.provision(admin, TopicCatalog.load(ContractSource.packaged()),
                        KafkaProvisioning.localPrincipals(), (short) 1);
                admin.createAcls(testTopicAcls()).all().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the topic catalogue and ACLs on the test broker", e);
            }
        }
        return kafka;
    }

    /** Every service may use the topics tests create for themselves (TestTopics, names prefixed {@code test.}). */
    private static List<AclBinding> testTopicAcls() {
        List<AclBinding> acls = new ArrayList<>();
        for (String principal : KafkaProvisioning.localPrincipals().values()) {
            for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE)) {
                acls.add(
                        new AclBinding(new ResourcePattern(ResourceType.TOPIC, TestTopics.PREFIX, PatternType.PREFIXED),
                                new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
            }
        }
        return acls;
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
