package dev.cairn.bench.support;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * JFR on a running service (jcmd JFR.start, settings=profile) for the length of a load phase, summarised as
 * where the CPU samples land: the hottest top frames, the hottest Cairn frames anywhere on the stack, and
 * the share of samples per thread group. Enough to say what limits a figure; the .jfr file is kept for JMC.
 */
public final class Profiler {

    private final long pid;
    private final Path file;
    private final double cpuAtStart = Processes.cpuSeconds(0);
    private final double serviceCpuAtStart;
    private final long startNanos = System.nanoTime();

    private Profiler(long pid, Path file) {
        this.pid = pid;
        this.file = file;
        this.serviceCpuAtStart = Processes.cpuSeconds(pid);
    }

    public static Profiler start(long pid, Path file) throws IOException {
        Processes.Finished r = Processes.run(List.of(jcmd(), Long.toString(pid), "JFR.start", "name=cairn-bench",
                "settings=profile", "filename=" + file), Duration.ofSeconds(30),
                file.resolveSibling(file.getFileName() + ".jcmd.log"));
        if (r.exitCode() != 0) {
            throw new IOException("jcmd JFR.start failed: " + r.output());
        }
        return new Profiler(pid, file);
    }

    /**
     * A profile is an aid, not the measurement: when the JVM cannot be attached to (e.g. started with SIGQUIT
     * ignored), the phase runs unprofiled and the note says so.
     */
    public static Profiler tryStart(long pid, Path file, java.util.List<String> notes) {
        try {
            return start(pid, file);
        } catch (IOException | RuntimeException e) {
            notes.add("not profiled: " + e.getMessage().lines().findFirst().orElse(""));
            return null;
        }
    }

    public Map<String, Object> stop() throws IOException {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        // How busy the service was: a service far below the machine's cores is waiting on something, not computing.
        double serviceCores = (Processes.cpuSeconds(pid) - serviceCpuAtStart) / seconds;
        double generatorCores = (Processes.cpuSeconds(0) - cpuAtStart) / seconds;
        Processes.run(List.of(jcmd(), Long.toString(pid), "JFR.stop", "name=cairn-bench"), Duration.ofSeconds(60),
                file.resolveSibling(file.getFileName() + ".jcmd.log"));
        Map<String, Long> topFrames = new HashMap<>();
        Map<String, Long> cairnFrames = new HashMap<>();
        Map<String, Long> threads = new HashMap<>();
        long samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            samples++;
            RecordedStackTrace st = e.getStackTrace();
            String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
            threads.merge(thread == null ? "?" : thread.replaceAll("[-#]?\\d+$", "").replaceAll("-\\d+-", "-"), 1L,
                    Long::sum);
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            topFrames.merge(name(st.getFrames().get(0)), 1L, Long::sum);
            for (RecordedFrame f : st.getFrames()) {
                if (f.getMethod().getType().getName().startsWith("dev.cairn")) {
                    cairnFrames.merge(name(f), 1L, Long::sum);
                    break;
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("jfr_file", file.getFileName().toString());
        out.put("service_cpu_cores_used", Math.round(serviceCores * 100) / 100.0);
        out.put("generator_cpu_cores_used", Math.round(generatorCores * 100) / 100.0);
        out.put("machine_cores", Runtime.getRuntime().availableProcessors());
        out.put("cpu_samples", samples);
        out.put("top_frames", top(topFrames, samples, 12));
        out.put("innermost_cairn_frames", top(cairnFrames, samples, 8));
        out.put("threads", top(threads, samples, 8));
        return out;
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static Map<String, String> top(Map<String, Long> counts, long total, int n) {
        Map<String, String> out = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .forEach(e -> out.put(e.getKey(), String.format("%.1f%%", 100.0 * e.getValue() / Math.max(1, total))));
        return out;
    }

    private static String jcmd() {
        return Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    }
}
