package dev.cairn.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A real redis-server (Debian's package) on a free loopback port, without persistence. */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final Path dir;

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    public static RedisServer start(Path workDir) {
        int port = Processes.freePort();
        Path dir = workDir.resolve("redis");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path log = dir.resolve("redis.log");
        Processes.run(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--daemonize", "yes", "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--pidfile",
                dir.resolve("redis.pid").toString(), "--logfile", log.toString()), dir, dir.resolve("start.log"));
        RedisServer server = new RedisServer(port, dir);
        Processes.awaitTrue("Redis on port " + port, Duration.ofSeconds(20), () -> Processes.listening(port), log);
        return server;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            Path pidFile = dir.resolve("redis.pid");
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            }
        } catch (IOException | NumberFormatException e) {
            // Best effort: the test JVM is going away anyway.
        }
    }
}
