package dev.cairn.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import dev.cairn.platform.contracts.TopicCatalog;

/**
 * A real single-node KRaft broker, run as a child JVM from infra/kafka/target/libs: the broker's own jars
 * (Kafka 4.4) clash with the 4.1.1 clients Quarkus brings, so they never share a class path.
 *
 * <p>
 * Secured as the local stack is: clients authenticate with SASL/SCRAM-SHA-512, and the broker refuses whatever no ACL
 * allows ({@code allow.everyone.if.no.acl.found=false}). {@value #OPERATOR} is the super user (the broker's own
 * principal, and the tests' tools); each service has its own principal ({@code User:<service>}), whose ACLs
 * {@link RealInfra} creates from the catalogue, so a service under test has exactly the rights it has in production.
 */
public final class KafkaBroker implements AutoCloseable {

    /** The super user: the broker itself, topic and ACL provisioning, and the tests' own clients. */
    public static final String OPERATOR = "admin";
    public static final String MECHANISM = "SCRAM-SHA-512";
    /** The Kafka Connect worker's principal (delivery); its ACLs come from the delivery plan, not the catalogue. */
    public static final String CONNECT = "connect";

    private final Process process;
    private final int port;
    private final Path dir;
    private final Map<String, String> passwords;

    private KafkaBroker(Process process, int port, Path dir, Map<String, String> passwords) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.passwords = passwords;
    }

    public static KafkaBroker start(Path workDir) {
        Path libs = Path.of(System.getProperty("test.cairn.kafka.libs",
                Processes.repoRoot().resolve("infra/kafka/target/libs").toString()));
        if (!Files.isDirectory(libs)) {
            throw new IllegalStateException("Kafka broker jars missing at " + libs
                    + ": build infra/kafka first (mvn -pl infra/kafka package)");
        }
        int port = Processes.freePort();
        int controllerPort = Processes.freePort();
        Path dir = workDir.resolve("kafka");
        Map<String, String> passwords = new LinkedHashMap<>();
        passwords.put(OPERATOR, secret());
        TopicCatalog.SERVICES.forEach(s -> passwords.put(s, secret()));
        passwords.put(CONNECT, secret());
        String operatorPassword = passwords.get(OPERATOR);
        try {
            Files.createDirectories(dir);
            Path props = dir.resolve("server.properties");
            Files.writeString(props, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=SASL_PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=SASL_PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
                    "inter.broker.listener.name=SASL_PLAINTEXT",
                    // Clients and the broker itself: SCRAM, whose credentials live in the cluster metadata.
                    "sasl.enabled.mechanisms=" + MECHANISM,
                    "sasl.mechanism.inter.broker.protocol=" + MECHANISM,
                    "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=" + scramLogin(OPERATOR,
                            operatorPassword),
                    // The controller listener: PLAIN, because a controller authenticates before it has read the
                    // metadata that holds SCRAM credentials.
                    "sasl.mechanism.controller.protocol=PLAIN",
                    "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                    "listener.name.controller.plain.sasl.jaas.config="
                            + "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + OPERATOR
                            + "\" password=\"" + operatorPassword + "\" user_" + OPERATOR + "=\"" + operatorPassword
                            + "\";",
                    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                    "super.users=User:" + OPERATOR,
                    "allow.everyone.if.no.acl.found=false",
                    "log.dirs=" + dir.resolve("data"),
                    "num.partitions=1",
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=4",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "transaction.state.log.num.partitions=4",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "log.flush.interval.messages=1000000") + "\n");
            String classpath = libs.toAbsolutePath() + "/*";
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path formatLog = dir.resolve("format.log");
            List<String> format = new ArrayList<>(List.of(java, "-cp", classpath, "kafka.tools.StorageTool", "format",
                    // One argument: a base64 id may start with '-' and would be read as an option.
                    "--cluster-id=" + uuid(), "-c", props.toString()));
            passwords.forEach((user, password) -> format
                    .add("--add-scram=" + MECHANISM + "=[name=" + user + ",password=" + password + "]"));
            Processes.run(format, dir, formatLog);
            Path log = dir.resolve("broker.log");
            Process process = Processes.start(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dlog4j.configuration=file:" + writeLog4j(dir), "-cp", classpath, "kafka.Kafka",
                    props.toString()), dir, log);
            KafkaBroker broker = new KafkaBroker(process, port, dir, Map.copyOf(passwords));
            Processes.awaitTrue("Kafka broker on port " + port, Duration.ofSeconds(60), broker::ready, log);
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String secret() {
        byte[] bytes = new byte[18];
        new java.security.SecureRandom().nextBytes(bytes);
        // Letters and digits only: the password is placed inside a JAAS line.
        return HexFormat.of().formatHex(bytes);
    }

    private static String scramLogin(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** A random base64 cluster id, as {@code kafka-storage random-uuid} prints it. */
    private static String uuid() {
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static String writeLog4j(Path dir) throws IOException {
        Path file = dir.resolve("log4j.properties");
        Files.writeString(file, "log4j.rootLogger=WARN, stdout\n"
                + "log4j.logger.kafka.server.KafkaRaftServer=INFO\n"
                + "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
                + "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
                + "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n");
        return file.toString();
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new IllegalStateException("Kafka broker exited" + Processes.tail(dir.resolve("broker.log")));
        }
        if (!Processes.listening(port)) {
            return false;
        }
        try (Admin admin = Admin.create(operatorConfig(Map.of(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000)))) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /**
     * The settings a client needs to connect as {@code user} ({@value #OPERATOR} or a service), with {@code extra} on
     * top: bootstrap servers and SASL, as {@code kafka.*} properties would give them.
     */
    public Map<String, Object> clientConfig(String user, Map<String, ?> extra) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException("the test broker has no principal " + user + ": " + passwords.keySet());
        }
        Map<String, Object> config = new HashMap<>(securityProperties(user));
        config.put("bootstrap.servers", bootstrapServers());
        config.putAll(extra);
        return config;
    }

    /** The operator's (super user's) client settings, for the tests' own producers, consumers and admin clients. */
    public Map<String, Object> operatorConfig(Map<String, ?> extra) {
        return clientConfig(OPERATOR, extra);
    }

    /** {@code security.protocol}, {@code sasl.mechanism} and {@code sasl.jaas.config} of {@code user}. */
    public Map<String, String> securityProperties(String user) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", MECHANISM, "sasl.jaas.config",
                scramLogin(user, passwords.get(user)));
    }

    public int port() {
        return port;
    }

    /** Stops the broker the hard way: for crash-recovery tests and teardown. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
