package dev.cairn.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server (Debian's package) in a fresh data directory on a free loopback port, trust
 * auth, fsync off. As root it runs as the postgres user, since PostgreSQL refuses to run as root.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String DATABASE = "cairn";
    public static final String USER = "postgres";

    private final int port;
    private final Path dir;
    private final Path bin;

    private PostgresServer(int port, Path dir, Path bin) {
        this.port = port;
        this.dir = dir;
        this.bin = bin;
    }

    public static PostgresServer start(Path workDir) {
        Path bin = binDir();
        int port = Processes.freePort();
        Path dir = workDir.resolve("postgres");
        Path data = dir.resolve("data");
        try {
            Files.createDirectories(dir);
            if (Processes.isRoot()) {
                // The server runs as postgres, which must own its directories and be able to reach them.
                Processes.run(List.of("chown", "-R", "postgres:postgres", dir.toString()), dir,
                        dir.resolve("chown.log"));
                Processes.run(List.of("chmod", "o+rx", workDir.toString()), dir, dir.resolve("chmod.log"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path log = dir.resolve("setup.log");
        Processes.run(asPostgres(bin.resolve("initdb"), "-D", data.toString(), "-U", USER, "-A", "trust", "-E",
                "UTF8", "--no-locale"), dir, log);
        PostgresServer server = new PostgresServer(port, dir, bin);
        server.run();
        Processes.run(asPostgres(bin.resolve("createdb"), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER,
                DATABASE), dir, dir.resolve("createdb.log"));
        return server;
    }

    static Path binDir() {
        String configured = System.getenv("CAIRN_PG_BIN");
        if (configured != null) {
            return Path.of(configured);
        }
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.sorted((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()))
                    .map(v -> v.resolve("bin")).filter(b -> Files.exists(b.resolve("pg_ctl"))).findFirst()
                    .orElseThrow();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("PostgreSQL server binaries not found under /usr/lib/postgresql "
                    + "(apt-get install postgresql, or set CAIRN_PG_BIN)", e);
        }
    }

    private static List<String> asPostgres(Path program, String... args) {
        List<String> command = new ArrayList<>();
        if (Processes.isRoot()) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.add(program.toString());
        command.addAll(List.of(args));
        return command;
    }

    public int port() {
        return port;
    }

    /** Vert.x reactive client URL, as quarkus.datasource.reactive.url takes it. */
    public String reactiveUrl() {
        return "postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    private void run() {
        Processes.run(asPostgres(bin.resolve("pg_ctl"), "-D", dir.resolve("data").toString(), "-l",
                dir.resolve("server.log").toString(), "-w", "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                "start"), dir, dir.resolve("start.log"));
        Processes.awaitTrue("PostgreSQL on port " + port, Duration.ofSeconds(30), () -> Processes.listening(port),
                dir.resolve("server.log"));
    }

    /**
     * Stops the server as an outage would (clients' connections drop, new ones are refused) until
     * {@link #restart()}: for tests of what a service does while its database is away.
     */
    public void stopForOutage() {
        close();
    }

    /** Starts the server again after {@link #stopForOutage()}, on the same port and data. */
    public void restart() {
        run();
    }

    @Override
    public void close() {
        Processes.run(
                asPostgres(bin.resolve("pg_ctl"), "-D", dir.resolve("data").toString(), "-m", "immediate", "stop"),
                dir, dir.resolve("stop.log"));
    }
}
