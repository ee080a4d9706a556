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
import java.util.Map;

/**
 * A service's packaged app ({@code services/<name>/target/quarkus-app}) run as a child JVM, the way it runs in
 * production, for tests that are not the service's own: clients calling it over the network. Configured with the
 * test profile (no issuer of the local stack) plus the given properties, on free ports; ready when its management
 * port answers {@code /q/health/ready}.
 */
public final class PackagedService implements AutoCloseable {

    private final String name;
    private final Process process;
    private final int port;
    private final int managementPort;
    private final Path log;

    private PackagedService(String name, Process process, int port, int managementPort, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
        this.log = log;
    }

    /**
     * Starts {@code services/<name>} (packaged by the reactor before the calling module's tests) with {@code config} as
     * system properties, and waits until it is ready. It is stopped by {@link #close()} or when the test JVM exits.
     */
    public static PackagedService start(String name, Map<String, String> config) {
        Path app = Processes.repoRoot().resolve("services").resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(app)) {
            throw new IllegalStateException(app + " is missing: package services/" + name + " first");
        }
        try {
            Path dir = Files.createTempDirectory("cairn-test-" + name + "-");
            int port = Processes.freePort();
            int management = Processes.freePort();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dquarkus.profile=test",
                    "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + management));
            config.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.addAll(List.of("-jar", app.toString()));
            Path log = dir.resolve(name + ".log");
            Process process = Processes.start(command, dir, log);
            PackagedService service = new PackagedService(name, process, port, management, log);
            Runtime.getRuntime().addShutdownHook(new Thread(service::close, "stop-" + name));
            Processes.awaitTrue(name + " ready on port " + port, Duration.ofSeconds(180), service::ready, log);
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The HTTP port, which gRPC shares. */
    public int port() {
        return port;
    }

    public String target() {
        return "127.0.0.1:" + port;
    }

    /**
     * Stops the JVM in its tracks (SIGSTOP) without closing a socket: the kernel still accepts connections and
     * requests, nothing answers them. What a hung or GC-stalled instance looks like to a caller.
     */
    public void freeze() {
        signal("STOP");
    }

    /** Lets a {@link #freeze() frozen} JVM run again (SIGCONT). */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + name + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited" + Processes.tail(log));
        }
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            // A frozen JVM ignores SIGTERM until it runs again.
            thaw();
            process.destroy();
        }
    }
}
