package dev.cairn.bench.scenario;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cairn.bench.load.AsyncCall;
import dev.cairn.bench.load.Backpressure;
import dev.cairn.bench.load.ClosedLoop;
import dev.cairn.bench.load.LoadResult;
import dev.cairn.bench.load.OpenLoop;
import dev.cairn.bench.support.Grpc;
import dev.cairn.bench.support.Profiler;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;

/**
 * Ingest throughput and ack latency, gRPC IngestBatch and Segment /v1/batch. An event counts only when its
 * answer is ACCEPTED, which ingest sends after the Kafka transaction carrying it committed (acks=all,
 * idempotent): these are durable events per second, divided by Kafka's ProducerPerformance at the same
 * record size in the same run.
 */
public final class IngestScenarios {

    private IngestScenarios() {
    }

    /** ingest-grpc: IngestBatch. */
    public static final class GrpcBatch implements Scenario {
        @Override
        public String name() {
            return "ingest-grpc";
        }

        @Override
        public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
            int batch = p.integer("batch");
            int size = p.integer("event_bytes");
            String source = p.string("source");
            Grpc.Pool pool = ctx.pool("ingest", p.integer("connections"));
            String prefix = "bench-" + ctx.runId + "-grpc-";
            // Every phase numbers its requests from 0: message ids come from one counter, or they would repeat
            // and be answered DUPLICATE.
            java.util.concurrent.atomic.AtomicLong ids = new java.util.concurrent.atomic.AtomicLong();
            AsyncCall call = any -> {
                long seq = ids.getAndIncrement();
                IngestBatchRequest.Builder req = IngestBatchRequest.newBuilder().setSourceId(source)
                        .setSentAt(Events.now());
                for (int i = 0; i < batch; i++) {
                    req.addEvents(Events.productViewed(prefix + seq + "-" + i, "bench-user-" + (seq * batch + i) % 5000,
                            size));
                }
                return Events.accepted(Grpc.toFuture(IngestServiceGrpc.newFutureStub(pool.next())
                        .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS).ingestBatch(req.build())), batch);
            };
            return measure(ctx, p, name(), "IngestBatch", call, batch, size);
        }
    }

    /** ingest-http: Segment-compatible POST /v1/batch with a write key. */
    public static final class HttpBatch implements Scenario {
        @Override
        public String name() {
            return "ingest-http";
        }

        @Override
        public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
            int batch = p.integer("batch");
            int size = p.integer("event_bytes");
            String auth = "Basic " + Base64.getEncoder()
                    .encodeToString((ctx.writeKey(p.string("source")) + ":").getBytes(StandardCharsets.UTF_8));
            URI uri = URI.create("http://127.0.0.1:" + ctx.port("ingest") + "/v1/batch");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newFixedThreadPool(2)).build();
            ObjectMapper json = new ObjectMapper();
            String padding = "x".repeat(Math.max(0, size - 300));
            String prefix = "bench-" + ctx.runId + "-http-";
            java.util.concurrent.atomic.AtomicLong ids = new java.util.concurrent.atomic.AtomicLong();
            AsyncCall call = any -> {
                long seq = ids.getAndIncrement();
                ObjectNode body = json.createObjectNode();
                ArrayNode items = body.putArray("batch");
                for (int i = 0; i < batch; i++) {
                    ObjectNode e = items.addObject();
                    e.put("type", "track").put("event", "Product Viewed").put("messageId", prefix + seq + "-" + i)
                            .put("userId", "bench-user-" + (seq * batch + i) % 5000)
                            .put("anonymousId", "anon-bench-user-" + (seq * batch + i) % 5000)
                            .put("timestamp", java.time.Instant.now().toString());
                    e.putObject("properties").put("sku", "SKU-" + i).put("category", "bench").put("price", 19.5)
                            .put("note", padding);
                }
                HttpRequest req = HttpRequest.newBuilder(uri).header("authorization", auth)
                        .header("content-type", "application/json").timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
                return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenCompose(r -> {
                    if (r.statusCode() == 429 || r.statusCode() == 503) {
                        return CompletableFuture.failedFuture(new Backpressure("HTTP " + r.statusCode()));
                    }
                    if (r.statusCode() != 200) {
                        return CompletableFuture
                                .failedFuture(new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body()));
                    }
                    try {
                        JsonNode results = json.readTree(r.body()).path("results");
                        for (JsonNode res : results) {
                            if (!"ACCEPTED".equals(res.path("outcome").asText())) {
                                return CompletableFuture.failedFuture(new IllegalStateException(res.toString()));
                            }
                        }
                        return CompletableFuture.completedFuture((Object) results.size());
                    } catch (java.io.IOException e) {
                        return CompletableFuture.failedFuture(e);
                    }
                });
            };
            return measure(ctx, p, name(), "/v1/batch", call, batch, size);
        }
    }

    static ScenarioResult measure(BenchContext ctx, Params p, String name, String label, AsyncCall call, int batch,
            int size) throws Exception {
        ScenarioResult r = new ScenarioResult(name);
        Duration warmup = p.duration("warmup");
        Duration duration = p.duration("duration");
        Profiler profiler = Boolean.parseBoolean(p.asMap().getOrDefault("profile", "false"))
                ? Profiler.tryStart(ctx.servicePid("ingest"), ctx.out.resolve(name + "-ingest.jfr"), r.notes)
                : null;
        LoadResult peak = ClosedLoop.run(call, p.integer("concurrency"), warmup, duration);
        if (profiler != null) {
            r.figures.put("profile_at_peak", profiler.stop());
        }
        r.check(label + " closed loop", peak);
        r.figures.put("peak", peak.toMap());
        r.figures.put("durable_events_per_s", RequestResponse.round(peak.unitsPerSecond()));
        List<LoadResult> sweep = new ArrayList<>();
        for (double fraction : p.numbers("sweep")) {
            double rate = Math.max(1, peak.requestsPerSecond() * fraction);
            LoadResult at = OpenLoop.run(call, rate, warmup, duration, 2_000);
            r.check(label + " open loop at " + fraction, at);
            sweep.add(at);
            r.figures.put("open_loop_at_" + fraction, at.toMap());
        }
        r.sweeps.put(label + " (batch of " + batch + ")", sweep);
        double producerPerf = Baselines.producerPerformance(ctx, p, size);
        r.figures.put("producer_perf_records_per_s", producerPerf);
        double ratio = peak.unitsPerSecond() / producerPerf;
        r.figures.put("ratio_to_producer_perf", RequestResponse.round(ratio));
        r.throughput.put(label + " durable events", peak.unitsPerSecond());
        r.throughput.put("ProducerPerformance records", producerPerf);
        r.throughputUnit = size + "-byte events (records) per second";
        r.target(label + " durable events/s / ProducerPerformance records/s", ">= 0.3", ratio, 0.3, true);
        return r;
    }
}
