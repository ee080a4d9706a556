package dev.cairn.bench.scenario;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.google.protobuf.Timestamp;

import dev.cairn.bench.support.Processes;
import dev.cairn.bench.support.Profiler;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentifierLinks;

/**
 * Identity's decision throughput: the links topic is filled while identity is paused, then identity drains it
 * (see load-tests/scenarios/identity-throughput.properties). Kafka's own consumer reading the same number of
 * records of the same topic is the baseline: what reading the links costs before anything is decided.
 */
public final class IdentityThroughput implements Scenario {

    static final String LINKS = "cairn.identity.links.v1";
    private static final Pattern LINKS_TOTAL = Pattern
            .compile("^cairn_identity_links_total\\{([^}]*)\\}\\s+([0-9.eE+-]+)$");

    /** HTTP/1.1: the JDK client's default h2c upgrade on plain http:// sometimes fails against the management port. */
    private static final HttpClient METRICS = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** A synthetic person: the identifiers the fresh mix links and the repeat mix sends again. */
    private record Person(String anonymousId, String userId, String email) {
    }

    @Override
    public String name() {
        return "identity-throughput";
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        String run = "tp-" + ctx.runId.toLowerCase().replace("t", "").replace("z", "");
        String source = "bench-" + run;
        int events = p.integer("events");
        long identityPid = ctx.servicePid("identity");
        r.figures.put("identity_links_backlog_before", Baselines.identityLinksBacklog(ctx));
        r.figures.put("events_per_mix", events);
        r.figures.put("source_id", source);
        List<Person> people = new ArrayList<>();
        // People whose anonymous_id and user_id the repeat or mix phase sent again: their next visit changes nothing.
        List<Person> revisited = new ArrayList<>();
        Random random = new Random(42);
        int made = 0;
        Map<String, Double> targets = Map.of("fresh", 10_000.0, "repeat", 50_000.0);
        for (String mix : p.string("mixes").split(",")) {
            mix = mix.trim();
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("load_before", Processes.machine().get("loadavg"));
            List<IdentifierLinks> batch = new ArrayList<>(events);
            for (int i = 0; i < events; i++) {
                boolean repeat = switch (mix) {
                    case "fresh" -> false;
                    case "repeat", "revisit" -> true;
                    case "mix" -> random.nextDouble() < p.number("repeat_share");
                    default -> throw new IllegalArgumentException("unknown mix " + mix);
                };
                List<Person> from = mix.equals("revisit") ? revisited : people;
                if (repeat && from.isEmpty()) {
                    throw new IllegalStateException("the " + mix + " mix needs the people of the "
                            + (mix.equals("revisit") ? "repeat" : "fresh") + " mix first");
                }
                Person person;
                if (repeat) {
                    person = from.get(random.nextInt(from.size()));
                    if (!mix.equals("revisit")) {
                        revisited.add(person);
                    }
                    batch.add(links(source, id("anonymous_id", person.anonymousId()), id("user_id", person.userId())));
                } else {
                    String n = run + "-" + made++;
                    person = new Person("anon-" + n, "user-" + n, "p-" + n + "@throughput.example.net");
                    people.add(person);
                    batch.add(links(source, id("anonymous_id", person.anonymousId()), id("user_id", person.userId()),
                            id("email", person.email())));
                }
            }
            double before = decided(ctx, source);
            // Started before the pause: a stopped JVM cannot be attached to.
            Profiler profiler = Profiler.tryStart(identityPid,
                    ctx.out.resolve("identity-throughput-" + mix + ".jfr").toAbsolutePath(), r.notes);
            signal(identityPid, "STOP");
            long drainStart;
            Map<String, Double> cpuBefore;
            try {
                long fillStart = System.nanoTime();
                fill(ctx, batch);
                figures.put("fill_events_per_s", Math.round(events / ((System.nanoTime() - fillStart) / 1e9)));
                cpuBefore = cpu(ctx, "identity", identityPid);
                drainStart = System.nanoTime();
            } finally {
                signal(identityPid, "CONT");
            }
            long deadline = drainStart + p.duration("drain_max").toNanos();
            double now = before;
            while (now - before < events && System.nanoTime() < deadline) {
                // Each scrape costs identity CPU (it renders every meter): four a second, not more.
                Thread.sleep(250);
                now = decided(ctx, source);
            }
            double seconds = (System.nanoTime() - drainStart) / 1e9;
            Map<String, Double> cpuAfter = cpu(ctx, "identity", identityPid);
            // Interleaved with identity's drains, once the topic holds at least as many records as one mix.
            double consumerPerf = consumerPerformance(ctx, events, figures);
            long drained = Math.round(now - before);
            double rate = drained / seconds;
            figures.put("events_decided", drained);
            figures.put("drain_seconds", Math.round(seconds * 1000) / 1000.0);
            figures.put("identity_events_per_s", Math.round(rate));
            figures.put("consumer_perf_records_per_s", Math.round(consumerPerf));
            figures.put("ratio_to_consumer_perf", Math.round(rate / consumerPerf * 1000) / 1000.0);
            Map<String, Object> cpuPerEvent = new LinkedHashMap<>();
            for (String process : cpuAfter.keySet()) {
                double used = cpuAfter.get(process) - cpuBefore.getOrDefault(process, 0.0);
                cpuPerEvent.put(process, drained == 0 ? null : Math.round(used * 1e6 / drained));
            }
            figures.put("cpu_us_per_event", cpuPerEvent);
            figures.put("load_after", Processes.machine().get("loadavg"));
            if (profiler != null) {
                try {
                    figures.put("identity_profile", profiler.stop());
                } catch (IOException | RuntimeException e) {
                    r.notes.add(mix + ": no profile (" + e.getMessage() + ")");
                }
            }
            if (drained < events) {
                r.errors.add(mix + ": identity decided " + drained + " of " + events + " links within "
                        + p.duration("drain_max"));
            }
            r.figures.put(mix, figures);
            r.throughput.put("identity " + mix + " (events/s)", rate);
            r.throughput.put("ConsumerPerformance after " + mix + " (records/s)", consumerPerf);
            if (targets.containsKey(mix)) {
                r.target("identity decisions, " + mix + " (events/s)", ">= " + Math.round(targets.get(mix)), rate,
                        targets.get(mix), true);
            }
            r.notes.add(String.format("%s: %d events drained in %.1f s = %.0f events/s (ConsumerPerformance %.0f "
                    + "records/s), CPU µs/event %s, load %s → %s", mix, drained, seconds, rate, consumerPerf,
                    cpuPerEvent, figures.get("load_before"), figures.get("load_after")));
        }
        r.throughputUnit = "events (records) per second";
        return r;
    }

    private static Identifier id(String namespace, String value) {
        return Identifier.newBuilder().setNamespace(namespace).setValue(value).build();
    }

    private static IdentifierLinks links(String source, Identifier... ids) {
        Instant now = Instant.now();
        Timestamp ts = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
        return IdentifierLinks.newBuilder().setSourceId(source).setMessageId(UUID.randomUUID().toString())
                .setEventTime(ts).setReceivedAt(ts).addAllIdentifiers(List.of(ids)).build();
    }

    /** Writes the links as ingest would (keyed by user_id), and waits for every acknowledgement. */
    private static void fill(BenchContext ctx, List<IdentifierLinks> batch) throws Exception {
        // As the operator: the broker takes SASL clients only, and no service but ingest may write links.
        Properties props = ctx.kafka();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
            for (IdentifierLinks l : batch) {
                Identifier key = l.getIdentifiersList().stream().filter(i -> i.getNamespace().equals("user_id"))
                        .findFirst().orElse(l.getIdentifiers(0));
                sent.add(producer.send(new ProducerRecord<>(LINKS, key.getValue(), l.toByteArray())));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        }
    }

    /** Events of this run's source identity has decided so far (redeliveries are not counted there). */
    private static double decided(BenchContext ctx, String source) throws IOException, InterruptedException {
        HttpResponse<String> response = METRICS.send(HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + (ctx.port("identity") + 1000) + "/q/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        double sum = 0;
        for (String line : response.body().split("\n")) {
            Matcher m = LINKS_TOTAL.matcher(line.trim());
            if (m.matches() && m.group(1).contains("source=\"" + source + "\"")) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    static void signal(long pid, String signal) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
        if (exit != 0) {
            throw new IOException("kill -" + signal + " " + pid + " exited with " + exit);
        }
    }

    /**
     * CPU seconds used so far by {@code service} (identity, or consent for consent-follow), PostgreSQL (the postmaster, its live backends, and the backends that
     * exited, from the postmaster's children time), Redis and Kafka.
     */
    static Map<String, Double> cpu(BenchContext ctx, String service, long servicePid) {
        Map<String, Double> cpu = new LinkedHashMap<>();
        cpu.put(service, Processes.cpuSeconds(servicePid));
        try {
            long postmaster = Long.parseLong(Files.readAllLines(ctx.cairnHome.resolve("postgres/data/postmaster.pid"))
                    .get(0).trim());
            double pg = cpuWithChildren(postmaster);
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path proc : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                    if (parent(proc) == postmaster) {
                        pg += Processes.cpuSeconds(Long.parseLong(proc.getFileName().toString()));
                    }
                }
            }
            cpu.put("postgresql", pg);
        } catch (IOException | RuntimeException e) {
            cpu.put("postgresql", Double.NaN);
        }
        for (String infra : List.of("redis", "kafka")) {
            try {
                cpu.put(infra, Processes.cpuSeconds(
                        Long.parseLong(Files.readString(ctx.cairnHome.resolve("run/" + infra + ".pid")).trim())));
            } catch (IOException | RuntimeException e) {
                cpu.put(infra, Double.NaN);
            }
        }
        return cpu;
    }

    private static double cpuWithChildren(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // utime, stime, cutime, cstime (fields 14-17), in clock ticks (USER_HZ 100)
        return (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]))
                / 100.0;
    }

    private static long parent(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Kafka's ConsumerPerformance reading {@code records} records of the links topic from its start with a new
     * group: the rate at which a bare consumer of this broker reads what identity has to decide.
     */
    private static double consumerPerformance(BenchContext ctx, int records, Map<String, Object> figures)
            throws IOException {
        Processes.Finished run = Processes.run(List.of(Processes.java(), "-Xmx512m", "-cp",
                Baselines.libs(ctx) + "/*", "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server",
                "127.0.0.1:" + ctx.port("kafka"), "--command-config", ctx.kafkaConfigFile().toString(), "--topic",
                LINKS, "--messages", Integer.toString(records),
                "--group", "cairn-bench-consumer-perf-" + UUID.randomUUID(), "--timeout", "60000"),
                Duration.ofMinutes(3), ctx.out.resolve("logs/consumer-performance.log"));
        // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
        // fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
        for (String line : run.output().split("\n")) {
            String[] f = line.split(",\\s*");
            if (f.length >= 10 && f[4].trim().matches("\\d+")) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("records", Long.parseLong(f[4].trim()));
                d.put("records_per_s", Double.parseDouble(f[5].trim()));
                d.put("fetch_records_per_s", Double.parseDouble(f[9].trim()));
                d.put("mb_per_s", Double.parseDouble(f[3].trim()));
                figures.put("consumer_performance", d);
                // The fetch rate leaves out the group join, which identity, already a member, does not pay.
                return Double.parseDouble(f[9].trim());
            }
        }
        throw new IOException("ConsumerPerformance failed (exit " + run.exitCode() + "): "
                + new String(run.output().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }
}
