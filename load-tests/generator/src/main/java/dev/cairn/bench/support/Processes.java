package dev.cairn.bench.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Child processes (baseline tools, servers) and what /proc says about them. */
public final class Processes {

    private Processes() {
    }

    /** Output and exit code of a finished command. */
    public record Finished(int exitCode, String output) {
    }

    /** Runs a command to completion (stdout and stderr merged), killing it after the timeout. */
    public static Finished run(List<String> command, Duration timeout, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Files.createDirectories(log.getParent());
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out after " + timeout + ": " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return new Finished(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** The java binary running this JVM, so child JVMs use the same JDK. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** VmRSS and VmHWM (peak) of a process in MiB, from /proc (Linux). */
    public static Map<String, Double> memoryMiB(long pid) {
        Map<String, Double> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
                    String[] parts = line.split("\\s+");
                    m.put(line.startsWith("VmRSS") ? "rss_mib" : "peak_rss_mib",
                            Math.round(Long.parseLong(parts[1]) / 1024.0 * 10) / 10.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            // A process that is gone has no memory to report.
        }
        return m;
    }

    /** The command line of a running process, from /proc. */
    public static List<String> commandLine(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        List<String> args = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                args.add(new String(raw, from, i - from, StandardCharsets.UTF_8));
                from = i + 1;
            }
        }
        return args;
    }

    /** The environment of a running process, from /proc (same user, or root). */
    public static Map<String, String> environment(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        Map<String, String> env = new LinkedHashMap<>();
        int from = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                String kv = new String(raw, from, i - from, StandardCharsets.UTF_8);
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                from = i + 1;
            }
        }
        return env;
    }

    /** The machine, for every result: cores, memory, and the load averages at the time. */
    public static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    m.put("memory_gib", Math.round(Long.parseLong(line.split("\\s+")[1]) / 1024.0 / 1024 * 10) / 10.0);
                }
            }
            m.put("loadavg", Files.readString(Path.of("/proc/loadavg")).trim());
        } catch (IOException e) {
            m.put("loadavg", "unknown");
        }
        return m;
    }

    /** CPU time (user + system) a process has used, in seconds; pid 0 means this JVM. */
    public static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid == 0 ? "self" : Long.toString(pid), "stat"));
            // Fields after the command name (which may contain spaces) start at state, the 3rd field.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks (USER_HZ 100)
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The 1-minute load average now. */
    public static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
