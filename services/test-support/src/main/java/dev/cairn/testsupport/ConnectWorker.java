package dev.cairn.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real Kafka Connect worker in distributed mode, run as a child JVM from infra/connect/target/libs (the broker's
 * Kafka version, never the services' 4.1.1 clients), with the JDBC sink (infra/connect/target/plugins) and Cairn's
 * own plugin (delivery/target/connect-plugins) on its plugin path. It logs in to the test broker as
 * {@value KafkaBroker#CONNECT} with SASL/SCRAM, like the local stack's worker, so it has exactly the rights the
 * delivery plan's ACLs give it; secrets reach connectors through the DirectoryConfigProvider ({@code dir}) rooted at
 * the connections directory.
 */
public final class ConnectWorker implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> command;
    private final Path dir;
    private final int port;
    private final KafkaBroker kafka;
    private Process process;

    private ConnectWorker(List<String> command, Path dir, int port, KafkaBroker kafka) {
        this.command = command;
        this.dir = dir;
        this.port = port;
        this.kafka = kafka;
    }

    /**
     * Grants the worker's principal the ACLs the delivery plan of {@code contracts} derives (as the operator, with the
     * delivery plan's own command), then starts the worker and waits until its REST API answers.
     *
     * @param connections the directory the {@code dir} config provider may read ({@code <connection>/url}, ...)
     */
    public static ConnectWorker start(Path workDir, KafkaBroker kafka, Path contracts, Path connections) {
        Path root = Processes.repoRoot();
        Path libs = root.resolve("infra/connect/target/libs");
        List<Path> plugins = List.of(root.resolve("infra/connect/target/plugins"),
                root.resolve("delivery/target/connect-plugins"));
        for (Path p : List.of(libs, plugins.get(0), plugins.get(1))) {
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("Kafka Connect jars missing at " + p
                        + ": build infra/connect and delivery first (mvn -pl infra/connect,delivery -am package)");
            }
        }
        int port = Processes.freePort();
        Path dir = workDir.resolve("connect-" + port);
        try {
            Files.createDirectories(dir);
            List<String> lines = new ArrayList<>(List.of(
                    "bootstrap.servers=" + kafka.bootstrapServers(),
                    "group.id=cairn-connect",
                    "config.storage.topic=cairn-connect-configs",
                    "offset.storage.topic=cairn-connect-offsets",
                    "status.storage.topic=cairn-connect-status",
                    "config.storage.replication.factor=1",
                    "offset.storage.replication.factor=1",
                    "status.storage.replication.factor=1",
                    "offset.storage.partitions=3",
                    "status.storage.partitions=1",
                    "key.converter=org.apache.kafka.connect.storage.StringConverter",
                    "value.converter=org.apache.kafka.connect.converters.ByteArrayConverter",
                    "listeners=http://127.0.0.1:" + port,
                    "rest.advertised.host.name=127.0.0.1",
                    "rest.advertised.port=" + port,
                    "plugin.path=" + plugins.get(0) + "," + plugins.get(1),
                    // Sink offsets committed often, so a restarted task has little to redeliver (and redelivers it
                    // as upserts).
                    "offset.flush.interval.ms=1000",
                    "connector.client.config.override.policy=All",
                    "config.providers=dir",
                    "config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider",
                    "config.providers.dir.param.allowed.paths=" + connections.toAbsolutePath(),
                    "scheduled.rebalance.max.delay.ms=0"));
            // A killed worker's sink tasks leave their consumer groups after 10 s rather than 45: a replay after a
            // kill waits for that (tests only; the local stack and clusters keep Kafka's default).
            lines.add("consumer.session.timeout.ms=10000");
            // The worker's own clients and every connector's consumer, producer and admin client log in as connect.
            for (String prefix : List.of("", "consumer.", "producer.", "admin.")) {
                kafka.securityProperties(KafkaBroker.CONNECT).forEach((k, v) -> lines.add(prefix + k + "=" + v));
            }
            Path props = dir.resolve("worker.properties");
            Files.writeString(props, String.join("\n", lines) + "\n");
            Path log4j = dir.resolve("log4j.properties");
            Files.writeString(log4j, "log4j.rootLogger=INFO, stdout\n"
                    + "log4j.logger.org.apache.kafka.clients=WARN\n"
                    + "log4j.logger.org.apache.kafka.common=WARN\n"
                    + "log4j.logger.org.reflections=ERROR\n"
                    + "log4j.logger.org.hibernate=WARN\n"
                    + "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
                    + "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
                    + "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dlog4j.configuration=file:" + log4j, "-cp", libs.toAbsolutePath() + "/*",
                    "org.apache.kafka.connect.cli.ConnectDistributed", props.toString());
            ConnectWorker worker = new ConnectWorker(command, dir, port, kafka);
            worker.deliveryCommand("acls", contracts.toString(), "User:" + KafkaBroker.CONNECT);
            worker.launch();
            return worker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() {
        process = Processes.start(command, dir, dir.resolve("worker.log"));
        Processes.awaitTrue("Kafka Connect worker on port " + port, Duration.ofSeconds(120), this::ready,
                dir.resolve("worker.log"));
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new IllegalStateException("Kafka Connect worker exited" + Processes.tail(dir.resolve("worker.log")));
        }
        if (!Processes.listening(port)) {
            return false;
        }
        try {
            // 200 once the worker has joined its group and read the config topic; 503/409 while it starts.
            HttpResponse<Void> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(url().resolve("/connectors")).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs the delivery plan's operator command ({@code dev.cairn.delivery.plan.DeliveryCommand}) as {@code ./cairn up}
     * does, from the delivery plugin's jars and the worker's (Kafka clients and the Connect API): {@code acls} as the operator, then
     * {@code apply}, {@code status} or {@code replay} against this worker.
     */
    public String deliveryCommand(String command, String... args) {
        Path root = Processes.repoRoot();
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", root.resolve("delivery/target/connect-plugins/cairn-delivery") + "/*:"
                        + root.resolve("infra/connect/target/libs") + "/*",
                "dev.cairn.delivery.plan.DeliveryCommand", command));
        try {
            if (command.equals("acls")) {
                Path operator = dir.resolve("operator.properties");
                List<String> props = new ArrayList<>(List.of("bootstrap.servers=" + kafka.bootstrapServers()));
                kafka.securityProperties(KafkaBroker.OPERATOR).forEach((k, v) -> props.add(k + "=" + v));
                Files.writeString(operator, String.join("\n", props) + "\n");
                line.add(operator.toString());
            } else {
                line.add(url().toString());
            }
            line.addAll(List.of(args));
            Path log = dir.resolve("delivery-" + command + ".log");
            Processes.run(line, dir, log);
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A connector's status from the REST API ({@code connector.state}, {@code tasks[].state}, traces). */
    public JsonNode status(String connector) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(url().resolve("/connectors/" + connector + "/status"))
                            .timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether a connector and all its tasks (at least one) are RUNNING. */
    public boolean running(String connector) {
        JsonNode status = status(connector);
        if (!"RUNNING".equals(status.path("connector").path("state").asText())
                || status.path("tasks").isEmpty()) {
            return false;
        }
        for (JsonNode task : status.path("tasks")) {
            if ("FAILED".equals(task.path("state").asText())) {
                throw new IllegalStateException(connector + " failed: " + task.path("trace").asText());
            }
            if (!"RUNNING".equals(task.path("state").asText())) {
                return false;
            }
        }
        return true;
    }

    /** The REST API, e.g. {@code http://127.0.0.1:41234/}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    public Path log() {
        return dir.resolve("worker.log");
    }

    /**
     * Kills the worker without a shutdown (SIGKILL: no offset commit, no group leave) and starts it again with the
     * same configuration: its connectors resume from the last committed offsets, so what was written after them is
     * delivered a second time.
     */
    public void killAndRestart() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        launch();
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
