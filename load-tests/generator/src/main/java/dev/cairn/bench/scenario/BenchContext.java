package dev.cairn.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.grpc.StatusRuntimeException;
import io.grpc.benchmarks.proto.BenchmarkServiceGrpc;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;

import dev.cairn.bench.load.AsyncCall;
import dev.cairn.bench.load.CpuPerCall;
import dev.cairn.bench.load.LoadResult;
import dev.cairn.bench.load.OpenLoop;
import dev.cairn.bench.support.Grpc;
import dev.cairn.bench.support.Processes;
import dev.cairn.bench.support.Tokens;

/**
 * Where the stack is (the same CAIRN_* variables and defaults as ./cairn), the shared resources of a run
 * (tokens, connection pools, the bare server) and the empty-call figures every service is divided by.
 */
public final class BenchContext implements AutoCloseable {

    public final Path root;
    public final Path cairnHome;
    public final Path out;
    public final boolean smoke;
    public final String runId;
    private final Map<String, Grpc.Pool> pools = new HashMap<>();
    private final Map<String, Tokens> tokens = new HashMap<>();
    /**
     * The bare server's variants: "bare" (no token checked), "bare-auth" (OIDC bearer token checked) and
     * "bare-as-services" (no token checked, the services' JVM flags).
     */
    private final Map<String, Process> bareServers = new HashMap<>();
    private final Map<String, Map<String, Object>> bareServerFigures = new HashMap<>();
    private final Map<String, LoadResult> emptyPeaks = new HashMap<>();
    private final Map<String, Map<String, Object>> emptyPeakCpu = new HashMap<>();
    private final Map<String, LoadResult> emptyAtRate = new HashMap<>();
    /** Figures other scenarios' ratios need, filled as scenarios run (e.g. producer_perf_records_per_s). */
    public final Map<String, Double> baselines = new LinkedHashMap<>();
    /** The details of those baseline figures, for the results of the scenarios that use them. */
    public final Map<String, Object> baselineDetails = new LinkedHashMap<>();

    public BenchContext(Path root, Path out, boolean smoke, String runId) {
        this.root = root;
        this.cairnHome = Path.of(env("CAIRN_HOME", root.resolve(".cairn").toString()));
        this.out = out;
        this.smoke = smoke;
        this.runId = runId;
    }

    public static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /**
     * The operator's Kafka client settings, which {@code ./cairn up} writes (bootstrap servers, SASL credentials): the
     * broker refuses clients without them, and only the operator may read every topic a scenario checks.
     */
    public java.util.Properties kafka() throws IOException {
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newBufferedReader(kafkaConfigFile())) {
            p.load(in);
        }
        return p;
    }

    /** The file behind {@link #kafka()}, for Kafka's own tools ({@code --command-config}, {@code --producer.config}). */
    public Path kafkaConfigFile() throws IOException {
        Path file = cairnHome.resolve("secrets/kafka-operator.properties");
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " missing: start the stack with ./cairn up");
        }
        return file;
    }

    public int port(String service) {
        return switch (service) {
            case "ingest" -> Integer.parseInt(env("CAIRN_INGEST_PORT", "8081"));
            case "identity" -> Integer.parseInt(env("CAIRN_IDENTITY_PORT", "8082"));
            case "consent" -> Integer.parseInt(env("CAIRN_CONSENT_PORT", "8083"));
            case "segments" -> Integer.parseInt(env("CAIRN_SEGMENTS_PORT", "8084"));
            case "kafka" -> Integer.parseInt(env("CAIRN_KAFKA_PORT", "19092"));
            case "redis" -> Integer.parseInt(env("CAIRN_REDIS_PORT", "16379"));
            case "keycloak" -> Integer.parseInt(env("CAIRN_KEYCLOAK_PORT", "8180"));
            case "bare" -> Integer.parseInt(env("CAIRN_BENCH_BARE_PORT", "8090"));
            case "bare-auth" -> port("bare") + 2;
            case "bare-as-services" -> port("bare") + 4;
            default -> throw new IllegalArgumentException(service);
        };
    }

    public synchronized Tokens token(String client) throws IOException {
        Tokens t = tokens.get(client);
        if (t == null) {
            t = new Tokens("http://127.0.0.1:" + port("keycloak") + "/realms/cairn", cairnHome.resolve("secrets"),
                    client);
            tokens.put(client, t);
        }
        return t;
    }

    /** A pool of connections to a service, authenticated as cairn-admin (every role). */
    public synchronized Grpc.Pool pool(String service, int connections) throws IOException {
        String key = service + "/" + connections;
        Grpc.Pool p = pools.get(key);
        if (p == null) {
            p = new Grpc.Pool("127.0.0.1", port(service), connections,
                    service.equals("bare") ? null : token("cairn-admin"));
            pools.put(key, p);
        }
        return p;
    }

    /** The pid of a service ./cairn up started (from .cairn/run). */
    public long servicePid(String service) throws IOException {
        return Long.parseLong(Files.readString(cairnHome.resolve("run/" + service + ".pid")).trim());
    }

    /** The Segment write key of a source, generated by ./cairn up. */
    public String writeKey(String source) throws IOException {
        for (String line : Files.readAllLines(cairnHome.resolve("secrets/write-keys.properties"))) {
            if (line.endsWith("=" + source) && !line.startsWith("#")) {
                return line.substring(0, line.length() - source.length() - 1);
            }
        }
        throw new IllegalStateException("no write key for source " + source + " in " + cairnHome.resolve("secrets"));
    }

    // ---- the bare Quarkus server: the empty-call baseline -------------------------------------------------

    public Path bareServerJar() {
        return root.resolve("load-tests/bare-server/target/quarkus-app/quarkus-run.jar");
    }

    /** The bare server without token checks: the framework alone. */
    public Map<String, Object> bareServer() throws IOException {
        return bareServer("bare");
    }

    /**
     * Starts a variant of the bare server once per run, the way ./cairn started a service before issue 16's
     * start-up work (java -Xmx384m -jar), and records its time from launch to the first answered call and its RSS
     * then.
     */
    public synchronized Map<String, Object> bareServer(String variant) throws IOException {
        return bareServer(variant, List.of("-Xmx384m"));
    }

    /**
     * The bare server started with the JVM flags a service runs with: the {@code -X} flags of its command line,
     * and AppCDS with the bare server's own archive ({@code app-cds.jsa}, built like the services') when the
     * service runs with one. A service's start and RSS divided by this one's leave out what the flags alone change
     * (heap sizing, collector, class data sharing): the framework on the same terms.
     */
    public synchronized Map<String, Object> bareServerLike(List<String> serviceCommand) throws IOException {
        List<String> flags = new ArrayList<>();
        boolean sharedArchive = false;
        for (String arg : serviceCommand.subList(1, Math.max(1, serviceCommand.indexOf("-jar")))) {
            if (arg.startsWith("-XX:SharedArchiveFile=")) {
                sharedArchive = true;
            } else if (arg.startsWith("-X")) {
                flags.add(arg);
            }
        }
        Path archive = bareServerJar().resolveSibling("app-cds.jsa");
        if (sharedArchive && Files.isRegularFile(archive)) {
            flags.add("-XX:SharedArchiveFile=" + archive);
        }
        Map<String, Object> figures = new LinkedHashMap<>(bareServer("bare-as-services", flags));
        figures.put("jvm_flags", flags);
        return figures;
    }

    private Map<String, Object> bareServer(String variant, List<String> jvmFlags) throws IOException {
        if (bareServers.containsKey(variant)) {
            return bareServerFigures.get(variant);
        }
        Path jar = bareServerJar();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " missing: run ./mvnw install -pl load-tests -amd");
        }
        Files.createDirectories(out);
        List<String> command = new ArrayList<>();
        command.add(Processes.java());
        command.addAll(jvmFlags);
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(out.resolve(variant + "-server.log").toFile());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port(variant)));
        if (variant.equals("bare-auth")) {
            pb.environment().put("CAIRN_BENCH_AUTH", "true");
            pb.environment().put("CAIRN_BENCH_POLICY", "authenticated");
            pb.environment().put("CAIRN_OIDC_ISSUER", "http://127.0.0.1:" + port("keycloak") + "/realms/cairn");
        }
        long launched = System.nanoTime();
        Process server = pb.start();
        bareServers.put(variant, server);
        Map<String, Object> figures = new LinkedHashMap<>();
        Grpc.Pool probe = new Grpc.Pool("127.0.0.1", port(variant), 1,
                variant.equals("bare-auth") ? token("cairn-admin") : null);
        try {
            long answered = firstAnswer(() -> {
                BenchmarkServiceGrpc.newBlockingStub(probe.next())
                        .withDeadlineAfter(1, java.util.concurrent.TimeUnit.SECONDS)
                        .unaryCall(SimpleRequest.getDefaultInstance());
                return true;
            }, Duration.ofSeconds(60), server);
            figures.put("start_to_first_call_ms", Math.round((answered - launched) / 1e6));
            figures.put("cpu_ms_to_first_call", Math.round(Processes.cpuSeconds(server.pid()) * 1000));
            figures.putAll(Processes.memoryMiB(server.pid()));
        } finally {
            probe.close();
        }
        bareServerFigures.put(variant, figures);
        return figures;
    }

    /** Polls until the call answers; returns System.nanoTime() of the first answer. */
    public static long firstAnswer(java.util.concurrent.Callable<Boolean> call, Duration timeout, Process process)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new IOException("process exited with " + process.exitValue() + " before answering");
            }
            try {
                if (call.call()) {
                    return System.nanoTime();
                }
            } catch (StatusRuntimeException e) {
                last = e;
            } catch (Exception e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException("no answer within " + timeout + ": " + last);
    }

    /** The empty call on a variant of the bare server ("bare" or "bare-auth"). */
    public AsyncCall emptyCall(String variant, int connections) throws IOException {
        bareServer(variant);
        Grpc.Pool pool = pool(variant, connections);
        SimpleRequest empty = SimpleRequest.getDefaultInstance();
        return seq -> Grpc.toFuture(BenchmarkServiceGrpc.newFutureStub(pool.next()).unaryCall(empty));
    }

    /** The empty call at saturation, with the scenarios' own concurrency and connections; measured once. */
    public synchronized LoadResult emptyPeak(String variant, int concurrency, int connections, Duration warmup,
            Duration duration) throws IOException {
        String key = variant + "/" + concurrency + "/" + connections;
        LoadResult r = emptyPeaks.get(key);
        if (r == null) {
            AsyncCall call = emptyCall(variant, connections);
            long pid = bareServers.get(variant).pid();
            CpuPerCall.Measured m = CpuPerCall.closedLoop(call, concurrency, warmup, duration,
                    () -> Map.of(variant + "-server", Processes.cpuSeconds(pid), "generator",
                            Processes.cpuSeconds(0)));
            r = m.result();
            emptyPeaks.put(key, r);
            emptyPeakCpu.put(key, m.cpuMicrosPerCall());
        }
        return r;
    }

    /** CPU-µs per call of the bare server and the generator in {@link #emptyPeak}'s measured window. */
    public synchronized Map<String, Object> emptyPeakCpu(String variant, int concurrency, int connections) {
        return emptyPeakCpu.getOrDefault(variant + "/" + concurrency + "/" + connections, Map.of());
    }

    /** The empty call at a given arrival rate (the same rate a service was measured at). */
    public LoadResult emptyAt(String variant, double rate, int connections, Duration warmup, Duration duration)
            throws IOException {
        String key = variant + "/" + Math.round(rate) + "/" + connections;
        LoadResult r = emptyAtRate.get(key);
        if (r == null) {
            r = OpenLoop.run(emptyCall(variant, connections), rate, warmup, duration, 10_000);
            emptyAtRate.put(key, r);
        }
        return r;
    }

    public static CompletableFuture<Object> failed(String message) {
        return CompletableFuture.failedFuture(new IllegalStateException(message));
    }

    public static List<String> list(String... items) {
        return new ArrayList<>(List.of(items));
    }

    @Override
    public void close() {
        pools.values().forEach(Grpc.Pool::close);
        for (Process server : bareServers.values()) {
            server.destroy();
            try {
                server.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.destroyForcibly();
        }
    }
}
