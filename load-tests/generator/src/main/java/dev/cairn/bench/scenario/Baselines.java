package dev.cairn.bench.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.cairn.bench.support.Processes;

/**
 * The raw limits every figure is divided by, measured in the same run on the same machine: redis-benchmark
 * GET (no pipelining, -c 50), Kafka's ProducerPerformance (acks=all, idempotent) at the events' size,
 * grpc-java's own benchmark server and client, and the bare Quarkus server (empty call, start, RSS).
 */
public final class Baselines implements Scenario {

    private static final Pattern PRODUCER_PERF = Pattern.compile(
            "(\\d+) records sent, ([0-9.]+) records/sec \\(([0-9.]+) MB/sec\\), ([0-9.]+) ms avg latency, "
                    + "([0-9.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th");

    @Override
    public String name() {
        return "baselines";
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        r.figures.put("bare_quarkus_server", ctx.bareServer());
        Object start = ctx.bareServer().get("start_to_first_call_ms");
        Object rss = ctx.bareServer().get("rss_mib");
        r.notes.add("bare Quarkus server: first answered call " + start + " ms after launch, RSS " + rss + " MiB");

        r.figures.put("bare_quarkus_server_with_token_check", ctx.bareServer("bare-auth"));
        for (String variant : RequestResponse.VARIANTS) {
            var empty = ctx.emptyPeak(variant, p.integer("concurrency"), p.integer("connections"),
                    p.duration("warmup"), p.duration("duration"));
            r.check(variant + " empty call closed loop", empty);
            r.figures.put(RequestResponse.key(variant, "empty_call_peak"), empty.toMap());
            r.throughput.put(RequestResponse.title(variant) + " (Quarkus)", empty.requestsPerSecond());
        }

        Map<String, Object> grpcJava = grpcBenchmarks(ctx, p);
        r.figures.put("grpc_java_benchmark", grpcJava);
        if (grpcJava.get("qps") instanceof Number n) {
            r.throughput.put("empty call (grpc-java AsyncServer)", n.doubleValue());
        } else {
            r.errors.add("grpc-benchmarks: " + grpcJava);
        }

        Map<String, Object> redis = redisBenchmark(ctx, p);
        r.figures.put("redis_benchmark_get", redis);
        if (redis.get("rps") instanceof Number n) {
            r.throughput.put("Redis GET (redis-benchmark -c 50)", n.doubleValue());
        } else {
            r.errors.add("redis-benchmark: " + redis);
        }

        double pp = producerPerformance(ctx, p, p.integer("event_bytes"));
        r.figures.put("producer_performance", ctx.baselineDetails.get("producer_performance"));
        r.throughput.put("Kafka ProducerPerformance records", pp);
        r.throughputUnit = "operations per second";
        return r;
    }

    static Path libs(BenchContext ctx) {
        Path libs = ctx.root.resolve("load-tests/baselines/target/libs");
        if (!Files.isDirectory(libs)) {
            throw new IllegalStateException(libs + " missing: run ./mvnw install -pl load-tests -amd");
        }
        return libs;
    }

    /**
     * Kafka's ProducerPerformance on a topic with the governed topic's partition count: records of the events'
     * size, acks=all, idempotence on (what ingest's transactional producer also needs). Measured once per run.
     */
    static synchronized double producerPerformance(BenchContext ctx, Params p, int recordBytes) throws IOException {
        Double known = ctx.baselines.get("producer_perf_records_per_s");
        if (known != null) {
            return known;
        }
        String cp = libs(ctx) + "/*";
        String bootstrap = "127.0.0.1:" + ctx.port("kafka");
        String operator = ctx.kafkaConfigFile().toString();
        String topic = "cairn.bench.producer-perf";
        Processes.Finished created = Processes.run(List.of(Processes.java(), "-cp", cp,
                "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap, "--command-config", operator,
                "--create", "--if-not-exists",
                "--topic", topic, "--partitions", p.string("kafka_partitions"), "--replication-factor", "1"),
                Duration.ofSeconds(60), ctx.out.resolve("logs/kafka-topic.log"));
        if (created.exitCode() != 0) {
            throw new IOException("could not create " + topic + ": " + created.output());
        }
        Processes.Finished run = Processes.run(List.of(Processes.java(), "-Xmx512m", "-cp", cp,
                "org.apache.kafka.tools.ProducerPerformance", "--topic", topic, "--num-records",
                p.string("kafka_records"), "--record-size", Integer.toString(recordBytes), "--throughput", "-1",
                // Authenticated as Cairn's clients are (SASL/SCRAM), so the baseline pays what ingest pays.
                "--command-config", operator, "--producer-props", "bootstrap.servers=" + bootstrap, "acks=all",
                "enable.idempotence=true"),
                Duration.ofMinutes(5), ctx.out.resolve("logs/producer-performance.log"));
        Matcher m = null;
        for (String line : run.output().split("\n")) {
            Matcher candidate = PRODUCER_PERF.matcher(line);
            if (candidate.find()) {
                m = candidate; // the last summary line is the whole run's
            }
        }
        if (run.exitCode() != 0 || m == null) {
            throw new IOException("ProducerPerformance failed: " + run.output());
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("record_bytes", recordBytes);
        d.put("records", Long.parseLong(m.group(1)));
        d.put("records_per_s", Double.parseDouble(m.group(2)));
        d.put("mb_per_s", Double.parseDouble(m.group(3)));
        d.put("avg_latency_ms", Double.parseDouble(m.group(4)));
        d.put("p50_ms", Long.parseLong(m.group(6)));
        d.put("p99_ms", Long.parseLong(m.group(8)));
        d.put("acks", "all");
        d.put("enable.idempotence", true);
        d.put("partitions", p.integer("kafka_partitions"));
        d.put("load1_after", Processes.load1());
        ctx.baselineDetails.put("producer_performance", d);
        double rps = Double.parseDouble(m.group(2));
        ctx.baselines.put("producer_perf_records_per_s", rps);
        return rps;
    }

    /**
     * Identity's consumer lag on the links topic (kafka-consumer-groups), or -1 if it could not be read. A
     * backlog left by an earlier event stream competes with what a scenario measures: it is recorded with it.
     */
    static long identityLinksBacklog(BenchContext ctx) {
        try {
            Processes.Finished run = Processes.run(List.of(Processes.java(), "-cp", libs(ctx) + "/*",
                    "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server",
                    "127.0.0.1:" + ctx.port("kafka"), "--command-config", ctx.kafkaConfigFile().toString(),
                    "--describe", "--group", "cairn-identity"),
                    Duration.ofSeconds(60), ctx.out.resolve("logs/identity-lag.log"));
            long lag = 0;
            for (String line : run.output().split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 6 && f[0].equals("cairn-identity") && f[5].matches("\\d+")) {
                    lag += Long.parseLong(f[5]);
                }
            }
            return lag;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** redis-benchmark GET against the stack's Redis: no pipelining, 50 clients. */
    static Map<String, Object> redisBenchmark(BenchContext ctx, Params p) throws IOException {
        Processes.Finished run = Processes.run(List.of("redis-benchmark", "-h", "127.0.0.1", "-p",
                Integer.toString(ctx.port("redis")), "-t", "get", "-c", "50", "-n", p.string("redis_requests"),
                "-d", p.string("event_bytes"), "--csv"), Duration.ofMinutes(3),
                ctx.out.resolve("logs/redis-benchmark.log"));
        Map<String, Object> d = new LinkedHashMap<>();
        for (String line : run.output().split("\n")) {
            // "GET","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
            if (line.startsWith("\"GET\"")) {
                String[] f = line.replace("\"", "").split(",");
                d.put("rps", Double.parseDouble(f[1]));
                d.put("avg_ms", Double.parseDouble(f[2]));
                d.put("p50_ms", Double.parseDouble(f[4]));
                d.put("p99_ms", Double.parseDouble(f[6]));
                d.put("clients", 50);
                d.put("pipeline", 1);
            }
        }
        if (d.isEmpty()) {
            d.put("error", "exit " + run.exitCode() + ": " + run.output());
        } else {
            ctx.baselines.put("redis_get_per_s", (Double) d.get("rps"));
        }
        return d;
    }

    /** grpc-java's AsyncServer and AsyncClient (empty payloads), for reference next to Quarkus' figure. */
    static Map<String, Object> grpcBenchmarks(BenchContext ctx, Params p) throws IOException {
        String cp = libs(ctx) + "/*";
        int port = ctx.port("bare") + 1;
        Map<String, Object> d = new LinkedHashMap<>();
        Process server = new ProcessBuilder(Processes.java(), "-Xmx384m", "-cp", cp,
                "io.grpc.benchmarks.qps.AsyncServer", "--address=127.0.0.1:" + port, "--transport=netty_nio")
                .redirectErrorStream(true).redirectOutput(ctx.out.resolve("logs/grpc-async-server.log").toFile())
                .start();
        try {
            Thread.sleep(2000);
            int connections = p.integer("connections");
            int perChannel = Math.max(1, p.integer("concurrency") / connections);
            Processes.Finished run = Processes.run(List.of(Processes.java(), "-Xmx256m", "-cp", cp,
                    "io.grpc.benchmarks.qps.AsyncClient", "--address=127.0.0.1:" + port, "--transport=netty_nio",
                    "--channels=" + connections, "--outstanding_rpcs=" + perChannel, "--directexecutor",
                    "--duration=" + p.duration("duration").toSeconds(),
                    "--warmup_duration=" + p.duration("warmup").toSeconds()), Duration.ofMinutes(3),
                    ctx.out.resolve("logs/grpc-async-client.log"));
            for (String line : run.output().split("\n")) {
                String[] kv = line.split(":\\s+");
                if (kv.length == 2) {
                    String key = kv[0].trim();
                    if (key.equals("QPS")) {
                        d.put("qps", Double.parseDouble(kv[1].trim()));
                    } else if (key.startsWith("50%ile")) {
                        d.put("p50_ms", Long.parseLong(kv[1].trim()) / 1000.0);
                    } else if (key.startsWith("99%ile")) {
                        d.put("p99_ms", Long.parseLong(kv[1].trim()) / 1000.0);
                    }
                }
            }
            d.put("channels", connections);
            d.put("outstanding_rpcs_per_channel", perChannel);
            d.put("server_memory", Processes.memoryMiB(server.pid()));
            if (!d.containsKey("qps")) {
                d.put("error", "exit " + run.exitCode() + ": " + run.output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.destroy();
        }
        return d;
    }
}
