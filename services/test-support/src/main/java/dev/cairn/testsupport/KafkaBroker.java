package dev.cairn.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A real single-node KRaft broker, run as a child JVM from infra/kafka/target/libs: the broker's own jars
 * (Kafka 4.4) clash with the 4.1.1 clients Quarkus brings, so they never share a class path.
 */
public final class KafkaBroker implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path dir;

    private KafkaBroker(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
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
        try {
            Files.createDirectories(dir);
            Path props = dir.resolve("server.properties");
            Files.writeString(props, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
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
            Processes.run(List.of(java, "-cp", classpath, "kafka.tools.StorageTool", "format",
                    // One argument: a base64 id may start with '-' and would be read as an option.
                    "--cluster-id=" + uuid(), "-c", props.toString()), dir, formatLog);
            Path log = dir.resolve("broker.log");
            Process process = Processes.start(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dlog4j.configuration=file:" + writeLog4j(dir), "-cp", classpath, "kafka.Kafka",
                    props.toString()), dir, log);
            KafkaBroker broker = new KafkaBroker(process, port, dir);
            Processes.awaitTrue("Kafka broker on port " + port, Duration.ofSeconds(60), broker::ready, log);
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                3000))) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
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
