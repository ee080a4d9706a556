package dev.cairn.bench.scenario;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.grpc.Channel;

import dev.cairn.bench.support.Grpc;
import dev.cairn.bench.support.Processes;
import dev.cairn.bench.support.StackProcess;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;

/**
 * Start time and RSS of each service with the infrastructure up. The service ./cairn up started is stopped
 * and started again with exactly its command line, environment and working directory (read from /proc), its
 * pid written back to .cairn/run so ./cairn down still stops it. Measured: launch to the first answered RPC
 * (an authorized call the service really answers), launch to readiness, RSS at the first answer, and the
 * peak RSS of the process that had served the earlier scenarios. Run last: it restarts the services.
 */
public final class ServiceStartup implements Scenario {

    @Override
    public String name() {
        return "service-startup";
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        List<String> services = java.util.Arrays.stream(p.string("services").split(",")).map(String::trim).toList();
        r.figures.put("bare_quarkus_server", ctx.bareServer());
        double bareStart = ((Number) ctx.bareServer().get("start_to_first_call_ms")).doubleValue();
        double bareRss = ((Number) ctx.bareServer().getOrDefault("rss_mib", Double.NaN)).doubleValue();
        // Issue 16's target divides by the bare server on the services' own JVM flags, so that flags which help
        // any Quarkus app (AppCDS, heap sizing) do not count as the services' own progress.
        Map<String, Object> like = ctx.bareServerLike(StackProcess.of(ctx.cairnHome, services.get(0)).command());
        r.figures.put("bare_quarkus_server_as_services", like);
        double likeStart = ((Number) like.get("start_to_first_call_ms")).doubleValue();
        double likeRss = ((Number) like.getOrDefault("rss_mib", Double.NaN)).doubleValue();
        r.throughput.put("bare Quarkus server start (ms)", bareStart);
        r.throughput.put("bare Quarkus server start, services' JVM flags (ms)", likeStart);
        r.throughputUnit = "milliseconds from launch to the first answered call";
        for (String service : services) {
            Map<String, Object> f = restart(ctx, service, p.duration("give_up_after"));
            r.figures.put(service, f);
            double start = ((Number) f.get("start_to_first_call_ms")).doubleValue();
            double ready = ((Number) f.get("start_to_ready_ms")).doubleValue();
            double rss = ((Number) f.getOrDefault("rss_mib", Double.NaN)).doubleValue();
            double rssReady = ((Number) f.getOrDefault("rss_when_ready_mib", Double.NaN)).doubleValue();
            r.throughput.put(service + " start (ms)", start);
            r.target(service + " start to first answered call (ms)", "<= 2000 ms", start, 2000, false);
            r.target(service + " RSS at first answer (MiB)", "<= 200 MB", rss, 200 * 1e6 / (1 << 20), false);
            r.target(service + " start to ready / bare server's start, same JVM flags", "<= 1.5x",
                    ready / likeStart, 1.5, false);
            r.target(service + " RSS when ready / bare server's RSS, same JVM flags", "<= 1.5x", rssReady / likeRss,
                    1.5, false);
            r.figures.put(service + "_start_ratio_to_bare", RequestResponse.round(start / bareStart));
            r.figures.put(service + "_rss_ratio_to_bare", RequestResponse.round(rss / bareRss));
            r.figures.put(service + "_ready_ratio_to_bare_as_services", RequestResponse.round(ready / likeStart));
            r.figures.put(service + "_rss_ready_ratio_to_bare_as_services",
                    RequestResponse.round(rssReady / likeRss));
        }
        return r;
    }

    static Map<String, Object> restart(BenchContext ctx, String service, Duration giveUp) throws Exception {
        StackProcess process = StackProcess.of(ctx.cairnHome, service);
        List<String> command = process.command();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("before_restart", Processes.memoryMiB(process.pid()));
        process.stop(Duration.ofSeconds(30));

        long launched = System.nanoTime();
        Process proc = process.relaunch();
        Grpc.Pool pool = new Grpc.Pool("127.0.0.1", ctx.port(service), 1, ctx.token("cairn-admin"));
        try {
            long answered = BenchContext.firstAnswer(probe(service, pool.next(), ctx.runId), giveUp, proc);
            f.put("start_to_first_call_ms", Math.round((answered - launched) / 1e6));
            // CPU time as well as wall time: on a shared machine the wall time of a start is mostly what the others
            // leave it, its CPU time much less so.
            f.put("cpu_ms_to_first_call", Math.round(Processes.cpuSeconds(proc.pid()) * 1000));
            f.putAll(Processes.memoryMiB(proc.pid()));
            int management = ctx.port(service) + 1000;
            HttpClient http = HttpClient.newHttpClient();
            long ready = BenchContext.firstAnswer(() -> http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + management + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200, giveUp, proc);
            f.put("start_to_ready_ms", Math.round((ready - launched) / 1e6));
            f.put("cpu_ms_to_ready", Math.round(Processes.cpuSeconds(proc.pid()) * 1000));
            f.put("rss_when_ready_mib", Processes.memoryMiB(proc.pid()).get("rss_mib"));
            f.put("jvm_flags", command.stream().filter(a -> a.startsWith("-X")).toList());
        } finally {
            pool.close();
        }
        return f;
    }

    /** A call the service answers only when it can do its work (authorized, its stores reachable). */
    static Callable<Boolean> probe(String service, Channel ch, String runId) {
        return switch (service) {
            case "identity" -> () -> IdentityServiceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .resolve(ResolveRequest.newBuilder().setIdentifier(RpcScenarios.userId("bench-seed-0"))
                            .build()) != null;
            case "consent" -> () -> ConsentServiceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .decide(DecideRequest.newBuilder().addQueries(DecisionQuery.newBuilder()
                            .setSubject(RpcScenarios.userId("bench-seed-0")).setPurpose("analytics")).build())
                    .getDecisionsCount() == 1;
            case "segments" -> () -> SegmentsServiceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .isMember(IsMemberRequest.newBuilder().addQueries(MembershipQuery.newBuilder()
                            .setProfile(ProfileRef.newBuilder().setIdentifier(RpcScenarios.userId("bench-seed-0")))
                            .setSegmentId("active_last_7_days")).build())
                    .getAnswersCount() == 1;
            case "ingest" -> new Callable<>() {
                private int attempt;

                @Override
                public Boolean call() {
                    return IngestServiceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .ingestBatch(IngestBatchRequest.newBuilder().setSourceId("backend")
                                    .addEvents(Events.productViewed("bench-start-" + runId + "-" + attempt++,
                                            "bench-seed-0", 300))
                                    .build())
                            .getResults(0).getOutcomeValue() == 1;
                }
            };
            default -> throw new IllegalArgumentException("unknown service " + service);
        };
    }

}
