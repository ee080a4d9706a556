package dev.cairn.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Small process and port helpers shared by the real-server launchers. */
final class Processes {

    private Processes() {
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void awaitTrue(String what, Duration timeout, BooleanSupplier ready, Path log) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (ready.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
        throw new IllegalStateException(what + " did not become ready within " + timeout + tail(log));
    }

    static String tail(Path log) {
        if (log == null || !Files.exists(log)) {
            return "";
        }
        try {
            List<String> lines = Files.readAllLines(log);
            return "; last log lines of " + log + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 30),
                            lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    static Process start(List<String> command, Path dir, Path log) {
        try {
            return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
    }

    static void run(List<String> command, Path dir, Path log) {
        Process p = start(command, dir, log);
        try {
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed" + tail(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The repository root: set by the build (test.cairn.root), else found by walking up to the ./cairn script. */
    static Path repoRoot() {
        String root = System.getProperty("test.cairn.root");
        if (root != null && Files.exists(Path.of(root, "cairn"))) {
            return Path.of(root);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("cairn"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the Cairn repository root (set -Dtest.cairn.root)");
        }
        return dir;
    }
}
