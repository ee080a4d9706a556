package dev.cairn.bench.scenario;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import dev.cairn.bench.support.ConsumerBacklog;
import dev.cairn.bench.support.Processes;
import dev.cairn.bench.support.TopicWindow;
import dev.cairn.fuzz.FuzzInputs;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;

/**
 * Hostile input through the whole running stack, then nothing may be stalled (see
 * load-tests/scenarios/fuzz-drain.properties): ingest's fuzz generators over HTTP and gRPC, poison records
 * written straight to every topic a consumer group reads, and then every group of identity, consent and segments
 * must read everything, set aside exactly the poison records in its dead-letter topic (and nothing ingest
 * accepted), and every service stay ready.
 * <p>
 * Ingest's own fuzz suite ({@code IngestFuzzTest}) shows every record ingest writes parses with its consumers'
 * code, against one ingest; this shows the consumers themselves get through it.
 */
public final class FuzzDrain implements Scenario {

    private static final List<String> GROUPS = ConsumerBacklog.CAIRN_GROUPS;

    /**
     * Each consumed topic and the dead-letter topics its consumers set a poison record aside in: one per consumer
     * that reads it.
     */
    static final Map<String, List<String>> POISONED = Map.of(
            "cairn.identity.links.v1", List.of("cairn.dead-letters.identity-links.v1"),
            "cairn.consent.signals.v1", List.of("cairn.dead-letters.consent-signals.v1"),
            "cairn.identity.changes.v1",
            List.of("cairn.dead-letters.consent-identity-changes.v1", "cairn.dead-letters.segments.v1"),
            "cairn.events.governed.v1", List.of("cairn.dead-letters.segments.v1"));

    private static final String[] SOURCES = {"backend", "web", "mobile"};
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectWriter ESCAPED = JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);
    private static final ObjectWriter RAW = JSON.writer();

    @Override
    public String name() {
        return "fuzz-drain";
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        long seed = Long.parseLong(p.string("seed"));
        long inputs = p.integer("inputs");
        int poison = p.integer("poison");
        String run = "fd" + ctx.runId.toLowerCase().replace("t", "").replace("z", "");
        Properties kafka = ctx.kafka();
        r.figures.put("seed", seed);
        r.figures.put("load_before", Processes.machine().get("loadavg"));
        List<String> deadLetterTopics = POISONED.values().stream().flatMap(List::stream).distinct().sorted().toList();
        try (ConsumerBacklog backlog = new ConsumerBacklog(kafka, p.integer("backlog_read_limit"));
                TopicWindow deadLetters = TopicWindow.open(kafka, deadLetterTopics)) {
            r.figures.put("backlog_before", backlog.remaining(GROUPS));
            long started = System.nanoTime();
            Sent sent = send(ctx, p, seed, inputs, run, r);
            r.figures.put("inputs", sent.inputs.get());
            r.figures.put("requests", sent.requests.get());
            r.figures.put("answers", new TreeMap<>(sent.answers));
            r.figures.put("send_s", round((System.nanoTime() - started) / 1e9));
            if (sent.answers.entrySet().stream()
                    .noneMatch(a -> a.getKey().endsWith("ACCEPTED") && a.getValue().get() > 0)) {
                r.errors.add("no fuzzed event was ACCEPTED: nothing reached the consumers, the drain shows nothing");
            }

            Map<String, Integer> expected = writePoison(kafka, run, poison);
            r.figures.put("poison_per_topic", poison);

            ConsumerBacklog.Drain drain = backlog.awaitDrained(GROUPS, p.duration("drain_max"));
            Map<String, Map<String, Long>> left = drain.left();
            Map<String, Double> drainedAfter = new TreeMap<>();
            drain.drainedAfterSeconds().forEach((group, seconds) -> drainedAfter.put(group, round(seconds)));
            r.figures.put("drain_s", round(drain.seconds()));
            r.figures.put("drained_after_s", drainedAfter);
            Map<String, List<String>> checked = new LinkedHashMap<>();
            for (String group : GROUPS) {
                checked.put(group, backlog.topics(group));
            }
            r.figures.put("topics_checked", checked);
            if (!left.isEmpty()) {
                r.errors.add("not drained after " + p.string("drain_max") + ": records left per group and topic "
                        + left);
            }
            checkDeadLetters(deadLetters, run, expected, r);
        }
        checkReady(ctx, r);
        r.figures.put("load_after", Processes.machine().get("loadavg"));
        return r;
    }

    // ------------------------------------------------------------------------------------------- sending

    private record Sent(AtomicLong inputs, AtomicLong requests, Map<String, AtomicLong> answers) {
        void count(String answer) {
            answers.computeIfAbsent(answer, a -> new AtomicLong()).incrementAndGet();
        }
    }

    /**
     * Fuzzed batches until {@code inputs} events are sent: even requests over HTTP ({@code /v1/batch} with the
     * source's write key), odd ones over gRPC (IngestBatch as cairn-admin, granted every source). Only what
     * reaches the consumers matters here, so no garbage bytes: ingest's own fuzz suite sends those.
     */
    private static Sent send(BenchContext ctx, Params p, long seed, long inputs, String run, ScenarioResult r)
            throws Exception {
        Sent sent = new Sent(new AtomicLong(), new AtomicLong(), new ConcurrentHashMap<>());
        Map<String, String> auth = new LinkedHashMap<>();
        for (String source : SOURCES) {
            try {
                auth.put(source, "Basic " + Base64.getEncoder()
                        .encodeToString((ctx.writeKey(source) + ":").getBytes(StandardCharsets.UTF_8)));
            } catch (IllegalStateException noWriteKey) {
                // A source that sends over gRPC only (mobile SDKs): its HTTP share goes to another source.
            }
        }
        List<String> httpSources = List.copyOf(auth.keySet());
        URI batch = URI.create("http://127.0.0.1:" + ctx.port("ingest") + "/v1/batch");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        var pool = ctx.pool("ingest", 2);
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        int maxBatch = p.integer("max_batch");
        int senders = p.integer("senders");
        ExecutorService senderThreads = Executors.newFixedThreadPool(senders);
        for (int s = 0; s < senders; s++) {
            senderThreads.submit(() -> {
                while (sent.inputs.get() < inputs && errors.size() < 20) {
                    long n = sent.requests.getAndIncrement();
                    FuzzInputs in = new FuzzInputs(seed * 1_000_003L + n, run + "-" + n);
                    String source = in.pick(n % 2 == 0 ? httpSources.toArray(String[]::new) : SOURCES);
                    int events = in.between(1, maxBatch);
                    try {
                        if (n % 2 == 0) {
                            byte[] body = (in.chance(0.8) ? ESCAPED : RAW).writeValueAsBytes(in.batch(events));
                            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(batch)
                                    .header("authorization", auth.get(source))
                                    .header("content-type", "application/json").timeout(Duration.ofSeconds(60))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            sent.count("http " + answer.statusCode());
                            if (answer.statusCode() >= 500) {
                                errors.add("request #" + n + ": HTTP " + answer.statusCode() + " " + answer.body());
                            } else if (answer.statusCode() == 200) {
                                for (JsonNode result : JSON.readTree(answer.body()).path("results")) {
                                    sent.count("http event " + result.path("outcome").asText());
                                }
                            }
                        } else {
                            IngestBatchRequest.Builder request = IngestBatchRequest.newBuilder().setSourceId(source);
                            for (int i = 0; i < events; i++) {
                                request.addEvents(in.eventInput());
                            }
                            if (in.chance(0.6)) {
                                request.setSentAt(in.timestamp());
                            }
                            try {
                                List<EventResult> results = IngestServiceGrpc.newBlockingStub(pool.next())
                                        .withDeadlineAfter(60, TimeUnit.SECONDS).ingestBatch(request.build())
                                        .getResultsList();
                                sent.count("grpc OK");
                                results.forEach(e -> sent.count(
                                        "grpc event " + e.getOutcome().name().replace("EVENT_OUTCOME_", "")));
                            } catch (StatusRuntimeException e) {
                                Status.Code code = e.getStatus().getCode();
                                sent.count("grpc " + code);
                                if (code != Status.Code.INVALID_ARGUMENT && code != Status.Code.RESOURCE_EXHAUSTED) {
                                    errors.add("request #" + n + ": gRPC " + e.getStatus());
                                }
                            }
                        }
                    } catch (Exception e) {
                        errors.add("request #" + n + " failed in the client: " + e);
                    }
                    sent.inputs.addAndGet(events);
                }
                return null;
            });
        }
        senderThreads.shutdown();
        if (!senderThreads.awaitTermination(2, TimeUnit.HOURS)) {
            senderThreads.shutdownNow();
            errors.add("the fuzz senders did not finish in 2 hours");
        }
        r.errors.addAll(errors);
        return sent;
    }

    // ------------------------------------------------------------------------------------------- poison

    /**
     * {@code poison} records on each consumed topic, written as the operator (as a broken or hostile producer with
     * write rights would): each value starts with a tag of wire type 7, which no protobuf parser accepts, so each
     * one must be dead-lettered; keys carry the run, so their dead letters are told from any other. Returns the
     * dead letters expected per dead-letter topic.
     */
    private static Map<String, Integer> writePoison(Properties kafka, String run, int poison) throws Exception {
        Properties props = new Properties();
        props.putAll(kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        Map<String, Integer> expected = new TreeMap<>();
        java.util.Random random = new java.util.Random(run.hashCode());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            for (var topic : POISONED.entrySet()) {
                for (int i = 0; i < poison; i++) {
                    byte[] value = new byte[1 + random.nextInt(200)];
                    random.nextBytes(value);
                    value[0] = 0x0f; // field 1, wire type 7: invalid in every message
                    producer.send(new ProducerRecord<>(topic.getKey(), poisonKey(run, i), value)).get();
                }
                topic.getValue().forEach(dlq -> expected.merge(dlq, poison, Integer::sum));
            }
        }
        return expected;
    }

    private static String poisonKey(String run, int i) {
        return poisonPrefix(run) + i;
    }

    private static String poisonPrefix(String run) {
        return "fuzz-drain-poison-" + run + "-";
    }

    /**
     * Every dead letter since the run started: those of the poison records must all be there; any other is a
     * record ingest accepted (or identity derived from one) that a consumer could not process.
     */
    private static void checkDeadLetters(TopicWindow window, String run, Map<String, Integer> expected,
            ScenarioResult r) {
        Map<String, List<ConsumerRecord<String, byte[]>>> all = window.read(Duration.ofSeconds(60));
        Map<String, Object> seen = new TreeMap<>();
        for (var topic : all.entrySet()) {
            long poisoned = 0;
            Map<String, Long> others = new TreeMap<>();
            for (ConsumerRecord<String, byte[]> record : topic.getValue()) {
                if (record.key() != null && record.key().startsWith(poisonPrefix(run))) {
                    poisoned++;
                } else {
                    others.merge(header(record, "cairn.dead-letter.topic") + ": "
                            + header(record, "cairn.dead-letter.reason") + " "
                            + header(record, "cairn.dead-letter.detail"),
                            1L, Long::sum);
                }
            }
            seen.put(topic.getKey(), Map.of("poison", poisoned, "other", others));
            int want = expected.getOrDefault(topic.getKey(), 0);
            if (poisoned != want) {
                r.errors.add(topic.getKey() + ": " + poisoned + " poison records dead-lettered, expected " + want
                        + " (a poison record skipped silently, lost, or dead-lettered twice)");
            }
            if (!others.isEmpty()) {
                r.errors.add(topic.getKey() + ": records ingest accepted were dead-lettered by a consumer: " + others);
            }
        }
        r.figures.put("dead_letters", seen);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------- readiness

    private static void checkReady(BenchContext ctx, ScenarioResult r) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, Integer> ready = new LinkedHashMap<>();
        for (String service : List.of("ingest", "identity", "consent", "segments")) {
            HttpResponse<String> answer = http.send(HttpRequest
                    .newBuilder(URI.create("http://127.0.0.1:" + (ctx.port(service) + 1000) + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            ready.put(service, answer.statusCode());
            if (answer.statusCode() != 200) {
                r.errors.add(service + " is not ready after the run: " + answer.body());
            }
        }
        r.figures.put("ready_after", ready);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
