package dev.cairn.bench.scenario;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import dev.cairn.bench.consent.ConsentContracts;
import dev.cairn.bench.faults.AckHistory;
import dev.cairn.bench.faults.DeliveryChecker;
import dev.cairn.bench.faults.RetryingIngestLoad;
import dev.cairn.bench.support.ConsumerBacklog;
import dev.cairn.bench.support.StackProcess;
import dev.cairn.bench.support.TopicWindow;
import dev.cairn.proto.events.v1.Event;

/**
 * One scenario of the {@code faults} family (issue 18; load-tests/scenarios/faults-*.properties): a bounded
 * open-loop load through ingest whose clients retry as the SDKs do, a fault in the middle of it, recovery, then the
 * checker. What must hold afterwards, every failure an error: no acknowledged event lost and no duplicate on the
 * governed and destination topics (by messageId, read committed), every RETRY answer honest
 * ({@link DeliveryChecker}), every event acknowledged within the clients' retry bound, every consumer group of
 * identity, consent and segments drained, every service ready.
 */
public final class FaultScenario implements Scenario {

    /** A fault: injects itself into the running stack and clears itself; what it saw goes into figures. */
    @FunctionalInterface
    interface Fault {
        /** Returns System.nanoTime() when the fault was cleared (recovery is measured from there). */
        long injectAndClear(BenchContext ctx, Params p, Map<String, Object> figures, List<String> errors)
                throws Exception;
    }

    static final String RAW_TOPIC = "cairn.events.raw.v1";
    static final List<String> SERVICES = List.of("ingest", "identity", "consent", "segments");

    private final String name;
    private final String description;
    private final Fault fault;

    FaultScenario(String name, String description, Fault fault) {
        this.name = name;
        this.description = description;
        this.fault = fault;
    }

    /** The family, in the order {@code faults} (and {@code all}, last) runs it. */
    public static List<Scenario> family() {
        return List.of(
                new FaultScenario("faults-ingest-kill", "kill -9 ingest, restart it", FaultScenario::killIngest),
                new FaultScenario("faults-kafka-pause", "SIGSTOP the Kafka broker, SIGCONT after pause_for",
                        FaultScenario::pauseKafka),
                new FaultScenario("faults-kafka-restart", "SIGTERM the Kafka broker, start it again after down_for",
                        FaultScenario::restartKafka),
                new FaultScenario("faults-redis-restart",
                        "Redis stopped, started again empty after down_for; identity must rebuild its graph",
                        RedisOutage::inject),
                new FaultScenario("faults-postgres-restart",
                        "PostgreSQL fast shutdown, started again after down_for; reads that do not need it keep answering",
                        PostgresOutage::inject),
                new FaultScenario("faults-identity-kill", "kill -9 identity, restart it",
                        (ctx, p, f, e) -> killAndRestart(ctx, p, "identity", f)),
                new FaultScenario("faults-consent-kill", "kill -9 consent, restart it",
                        (ctx, p, f, e) -> killAndRestart(ctx, p, "consent", f)),
                new FaultScenario("faults-segments-kill", "kill -9 segments, restart it",
                        (ctx, p, f, e) -> killAndRestart(ctx, p, "segments", f)));
    }

    /** A scenario of the family, by name: {@code faults-<fault>}. */
    public static boolean inFamily(Scenario s) {
        return s.name().startsWith("faults-");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name);
        r.figures.put("fault", description);
        if (Boolean.parseBoolean(p.asMap().getOrDefault("skip", "false"))) {
            // A fault that cannot be checked reliably in the smoke would block every landing: left out, and said.
            r.notes.add("not run" + (ctx.smoke ? " in the smoke" : "") + ": " + p.string("skip_why"));
            return r;
        }
        Properties kafka = ctx.kafka();
        ConsentContracts contracts = ConsentContracts.load(ctx.root);
        Map<String, String> destinations = new LinkedHashMap<>();
        contracts.destinations().forEach(d -> destinations.put(d.name(), d.topic()));
        List<String> topics = new ArrayList<>(destinations.values());
        topics.add(RAW_TOPIC);
        String prefix = prefix(ctx, name);
        AckHistory history = new AckHistory();
        Duration duration = p.duration("duration");
        Duration faultAt = p.duration("fault_at");
        if (faultAt.compareTo(duration) >= 0) {
            throw new IllegalArgumentException(
                    "fault_at (" + faultAt + ") must fall inside the load (" + duration + ")");
        }
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
        ExecutorService loadThread = Executors.newSingleThreadExecutor();
        try (TopicWindow window = TopicWindow.open(kafka, topics)) {
            var pool = ctx.pool("ingest", p.integer("connections"));
            RetryingIngestLoad load = new RetryingIngestLoad(pool::next, p.string("source"), prefix,
                    p.integer("batch"), p.integer("event_bytes"), p.integer("users"),
                    new RetryingIngestLoad.RetryPolicy(p.duration("first_backoff"), p.duration("max_backoff"),
                            p.duration("call_deadline"), p.duration("give_up_after")),
                    retries, history);
            long loadStart = System.nanoTime();
            Future<?> sending = loadThread.submit(() -> {
                load.run(p.number("rate"), duration, p.integer("max_in_flight"));
                return null;
            });
            // The fault's moment is part of the experiment's schedule, not a condition to await.
            LockSupport.parkNanos(loadStart + faultAt.toNanos() - System.nanoTime());
            Map<String, Object> faultFigures = new LinkedHashMap<>();
            long injected = System.nanoTime();
            long cleared = fault.injectAndClear(ctx, p, faultFigures, r.errors);
            faultFigures.put("fault_lasted_s", seconds(cleared - injected));
            r.figures.put("fault_details", faultFigures);

            sending.get(p.duration("give_up_after").toSeconds() + duration.toSeconds() + 120, TimeUnit.SECONDS);
            long loadEnd = System.nanoTime();
            r.figures.put("load_s", seconds(loadEnd - loadStart));
            r.figures.put("client_answers", load.answers());
            // "error" in full runs; the smoke may say "note" for a known, intermittent finding (see the file) so that
            // it does not block landings while the checker's promises are still enforced.
            boolean unexpectedIsError = !"note".equals(p.asMap().getOrDefault("unexpected_status", "error"));
            load.answers().forEach((answer, n) -> {
                if (answer.startsWith("status INTERNAL") || answer.startsWith("status UNKNOWN")) {
                    String finding = "finding: IngestBatch failed " + n + " times with " + answer.substring(7)
                            + " (a fault must be answered UNAVAILABLE, RESOURCE_EXHAUSTED or RETRY)";
                    (unexpectedIsError ? r.errors : r.notes).add(finding);
                }
            });
            long accepting = history.firstAcceptedAtOrAfter(cleared);
            boolean sentAfterClear = loadStart + duration.toNanos() - cleared > 0;
            r.figures.put("accepting_again_after_clear_s", accepting >= 0
                    ? seconds(accepting - cleared)
                    : sentAfterClear ? "never" : "the load ended before the fault was cleared");
            if (accepting < 0 && sentAfterClear) {
                r.errors.add("ingest accepted no event after the fault was cleared");
            }

            awaitDrained(ctx, p, r, loadEnd, cleared);
            awaitReady(ctx, p.duration("ready_max"), r);

            Map<String, Map<String, Integer>> stored = stored(window.read(Duration.ofSeconds(120)), prefix);
            DeliveryChecker.Verdict verdict = new DeliveryChecker(RAW_TOPIC, destinations).check(history.answers(),
                    stored);
            r.figures.put("checker", verdict.figures());
            r.errors.addAll(verdict.errors());
            r.target("acknowledged events lost", "0", verdict.lost(), 0, false);
            r.target("events duplicated on governed and destination topics", "0", verdict.duplicated(), 0, false);
            r.target("dishonest RETRY answers", "0", verdict.dishonestRetries(), 0, false);
            r.target("events never acknowledged", "0", verdict.unacknowledged(), 0, false);
            if (verdict.acknowledged() == 0) {
                r.errors.add("no event was acknowledged: the checker had nothing to check");
            }
            r.throughput.put("events acknowledged", (double) verdict.acknowledged());
            r.throughputUnit = "events in the run";
        } finally {
            loadThread.shutdownNow();
            retries.shutdownNow();
        }
        return r;
    }

    /** The messageIds and user ids of a scenario's run start with this. */
    static String prefix(BenchContext ctx, String scenario) {
        return scenario + "-" + ctx.runId + "-";
    }

    /** This run's events per topic: messageId → records carrying it. */
    static Map<String, Map<String, Integer>> stored(Map<String, List<ConsumerRecord<String, byte[]>>> records,
            String prefix) throws Exception {
        Map<String, Map<String, Integer>> out = new HashMap<>();
        for (var topic : records.entrySet()) {
            Map<String, Integer> counts = out.computeIfAbsent(topic.getKey(), t -> new HashMap<>());
            for (ConsumerRecord<String, byte[]> record : topic.getValue()) {
                String id = Event.parseFrom(record.value()).getMessageId();
                if (id.startsWith(prefix)) {
                    counts.merge(id, 1, Integer::sum);
                }
            }
        }
        return out;
    }

    /** Every group of identity, consent and segments must read everything: a fault must not stall a consumer. */
    private static void awaitDrained(BenchContext ctx, Params p, ScenarioResult r, long loadEnd, long cleared)
            throws Exception {
        try (ConsumerBacklog backlog = new ConsumerBacklog(ctx.kafka(), 5_000)) {
            ConsumerBacklog.Drain drain = backlog.awaitDrained(ConsumerBacklog.CAIRN_GROUPS, p.duration("drain_max"));
            long drained = System.nanoTime();
            r.figures.put("drained_after_load_s", seconds(drained - loadEnd));
            r.figures.put("recovery_s", seconds(drained - cleared));
            Map<String, Double> perGroup = new TreeMap<>();
            drain.drainedAfterSeconds().forEach((g, s) -> perGroup.put(g, Math.round(s * 10) / 10.0));
            r.figures.put("groups_drained_after_s", perGroup);
            if (!drain.left().isEmpty()) {
                r.errors.add(
                        "consumer groups not drained " + p.string("drain_max") + " after the load: " + drain.left());
            }
        }
    }

    /** Every service must answer ready again (each is polled until ready or max has passed). */
    static void awaitReady(BenchContext ctx, Duration max, ScenarioResult r) throws Exception {
        Map<String, Object> ready = new LinkedHashMap<>();
        long start = System.nanoTime();
        for (String service : SERVICES) {
            try {
                long at = awaitReady(ctx, service, start + max.toNanos() - System.nanoTime(), null);
                ready.put(service, seconds(at - start));
            } catch (java.io.IOException e) {
                ready.put(service, "not ready");
                r.errors.add(service + " not ready " + max.toSeconds() + " s after the load: " + e.getMessage());
            }
        }
        r.figures.put("ready_after_s", ready);
    }

    /** Polls a service's readiness until it answers 200; returns System.nanoTime() then. */
    static long awaitReady(BenchContext ctx, String service, long withinNanos, Process process)
            throws java.io.IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI uri = URI.create("http://127.0.0.1:" + (ctx.port(service) + 1000) + "/q/health/ready");
        return BenchContext.firstAnswer(() -> http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200,
                Duration.ofNanos(Math.max(0, withinNanos)), process);
    }

    // ------------------------------------------------------------------------------------------- the faults

    /** kill -9 a service mid-load and start it again at once, as a supervisor would; cleared when it is ready. */
    static long killAndRestart(BenchContext ctx, Params p, String service, Map<String, Object> figures)
            throws Exception {
        StackProcess process = StackProcess.of(ctx.cairnHome, service);
        process.kill(Duration.ofSeconds(30));
        long relaunched = System.nanoTime();
        Process started = process.relaunch();
        long ready = awaitReady(ctx, service, p.duration("ready_max").toNanos(), started);
        figures.put(service + "_ready_after_relaunch_s", seconds(ready - relaunched));
        return ready;
    }

    static long killIngest(BenchContext ctx, Params p, Map<String, Object> figures, List<String> errors)
            throws Exception {
        return killAndRestart(ctx, p, "ingest", figures);
    }

    /** SIGSTOP the broker: connections stay open, nothing answers (a network stall, a long GC pause). */
    static long pauseKafka(BenchContext ctx, Params p, Map<String, Object> figures, List<String> errors)
            throws Exception {
        StackProcess broker = StackProcess.of(ctx.cairnHome, "kafka");
        broker.pause();
        try {
            // The stall's length is the fault itself, not a wait for a condition.
            LockSupport.parkNanos(p.duration("pause_for").toNanos());
        } finally {
            broker.resume();
        }
        return System.nanoTime();
    }

    /** SIGTERM the broker (a clean stop), keep it down, start it again with its exact command line. */
    static long restartKafka(BenchContext ctx, Params p, Map<String, Object> figures, List<String> errors)
            throws Exception {
        StackProcess broker = StackProcess.of(ctx.cairnHome, "kafka");
        long stopping = System.nanoTime();
        broker.stop(Duration.ofSeconds(60));
        figures.put("broker_stop_s", seconds(System.nanoTime() - stopping));
        // Down for down_for from the stop signal; the outage's length is the fault itself.
        LockSupport.parkNanos(stopping + p.duration("down_for").toNanos() - System.nanoTime());
        long relaunched = System.nanoTime();
        Process started = broker.relaunch();
        int port = ctx.port("kafka");
        long listening = BenchContext.firstAnswer(() -> {
            try (var socket = new java.net.Socket("127.0.0.1", port)) {
                return true;
            }
        }, Duration.ofSeconds(60), started);
        figures.put("broker_listening_after_relaunch_s", seconds(listening - relaunched));
        return listening;
    }

    /**
     * Runs {@code ./cairn up} (it starts only what is not running) to bring back what a fault stopped; its output goes
     * to logs/&lt;scenario&gt;-cairn-up.log in the results.
     */
    static void cairnUp(BenchContext ctx, String scenario, String what) throws Exception {
        String log = "logs/" + scenario + "-cairn-up.log";
        ProcessBuilder up = new ProcessBuilder(ctx.root.resolve("cairn").toString(), "up").redirectErrorStream(true)
                .redirectOutput(ctx.out.resolve(log).toFile());
        up.environment().put("CAIRN_SKIP_BUILD", "1");
        Process starting = up.start();
        if (!starting.waitFor(300, TimeUnit.SECONDS) || starting.exitValue() != 0) {
            throw new IllegalStateException("./cairn up did not bring " + what + " back (log: " + log
                    + " in the results)");
        }
    }

    static double seconds(long nanos) {
        return Math.round(nanos / 1e8) / 10.0;
    }
}
