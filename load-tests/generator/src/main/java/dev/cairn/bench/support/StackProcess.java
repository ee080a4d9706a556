package dev.cairn.bench.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process {@code ./cairn up} started (a service, the Kafka broker), found by its pid file under
 * {@code CAIRN_HOME/run}, and how to start it again exactly as it was: its command line, environment and working
 * directory, read from /proc while it runs. A relaunch writes the new pid back, so {@code ./cairn down} still
 * stops it, and appends to the log ./cairn gave it.
 * <p>
 * Not for Redis: redis-server rewrites its /proc command line to "redis-server host:port".
 */
public final class StackProcess {

    private final String name;
    private final Path pidFile;
    private final Path log;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private long pid;

    private StackProcess(String name, Path pidFile, Path log, long pid, List<String> command,
            Map<String, String> environment, Path workingDirectory) {
        this.name = name;
        this.pidFile = pidFile;
        this.log = log;
        this.pid = pid;
        this.command = command;
        this.environment = environment;
        this.workingDirectory = workingDirectory;
    }

    /** The running process {@code name} (ingest, identity, consent, segments, kafka) of the stack at cairnHome. */
    public static StackProcess of(Path cairnHome, String name) throws IOException {
        Path pidFile = cairnHome.resolve("run/" + name + ".pid");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
            throw new IllegalStateException(name + " (pid " + pid + " in " + pidFile + ") is not running");
        }
        return new StackProcess(name, pidFile, cairnHome.resolve("logs/" + name + ".log"), pid,
                Processes.commandLine(pid), Processes.environment(pid),
                Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")));
    }

    public String name() {
        return name;
    }

    public long pid() {
        return pid;
    }

    public List<String> command() {
        return command;
    }

    /** SIGTERM, then waits for the process to exit (a clean shutdown: what an orchestrator's stop does). */
    public void stop(Duration wait) throws IOException {
        end(false, wait);
    }

    /** SIGKILL, then waits for the process to exit: a crash, nothing flushed or closed. */
    public void kill(Duration wait) throws IOException {
        end(true, wait);
    }

    private void end(boolean force, Duration wait) throws IOException {
        ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
        if (handle == null) {
            return;
        }
        if (force) {
            handle.destroyForcibly();
        } else {
            handle.destroy();
        }
        try {
            handle.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(name + " (pid " + pid + ") did not exit within " + wait + " of "
                    + (force ? "SIGKILL" : "SIGTERM"), e);
        }
    }

    /** SIGSTOP: the process stops being scheduled, its sockets stay open; peers see a stall, not a close. */
    public void pause() throws IOException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() throws IOException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException {
        // ProcessHandle sends only TERM and KILL.
        Processes.Finished done = Processes.run(List.of("kill", "-" + signal, Long.toString(pid)),
                Duration.ofSeconds(10), log.resolveSibling("kill-" + name + ".out"));
        if (done.exitCode() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " (" + name + "): " + done.output());
        }
    }

    /** Starts the process again as it was, appending to its log; the pid file names the new process. */
    public Process relaunch() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().clear();
        pb.environment().putAll(environment);
        Process process = pb.start();
        pid = process.pid();
        Files.writeString(pidFile, pid + "\n");
        return process;
    }
}
