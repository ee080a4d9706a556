package dev.cairn.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

import dev.cairn.bench.report.Plots;
import dev.cairn.bench.scenario.Baselines;
import dev.cairn.bench.scenario.BenchContext;
import dev.cairn.bench.scenario.ConsentEndToEnd;
import dev.cairn.bench.scenario.ConsentFollow;
import dev.cairn.bench.scenario.ConsentWithdrawal;
import dev.cairn.bench.scenario.ErasureEndToEnd;
import dev.cairn.bench.scenario.FaultScenario;
import dev.cairn.bench.scenario.FuzzDrain;
import dev.cairn.bench.scenario.IdentityAccuracy;
import dev.cairn.bench.scenario.IdentityThroughput;
import dev.cairn.bench.scenario.IngestScenarios;
import dev.cairn.bench.scenario.Params;
import dev.cairn.bench.scenario.RpcScenarios;
import dev.cairn.bench.scenario.Scenario;
import dev.cairn.bench.scenario.ScenarioResult;
import dev.cairn.bench.scenario.SegmentsFreshness;
import dev.cairn.bench.scenario.ServiceStartup;
import dev.cairn.bench.support.ConsumerBacklog;
import dev.cairn.bench.support.Processes;

/**
 * {@code bench <scenario|all> [--smoke] [--out DIR] [key=value ...]}: runs scenarios against the stack
 * ./cairn up started and writes, per scenario, {name}.json and {name}.png under the output directory, plus
 * summary.json. Exit status 1 when a scenario had errors (smoke mode fails on errors, never on figures).
 */
@QuarkusMain
public class BenchMain implements QuarkusApplication {

    /** How long a scenario waits for the consumers to drain what the previous ones left. */
    static final Duration SETTLE_MAX = Duration.ofSeconds(300);

    /**
     * In the order "all" runs them: baselines first; the identity scenarios and the end-to-end checks (whose
     * logins and erasures wait for identity) before the heavy event streams (which leave identity a backlog of
     * links); start-up (it restarts the services), then the faults family last: it kills and stalls parts of the
     * stack, and each of its scenarios ends only once every group drained and every service is ready again.
     */
    static final List<Scenario> SCENARIOS = Stream.concat(Stream.of(new Baselines(),
            new IdentityAccuracy(), new IdentityThroughput(), new ConsentFollow(), new RpcScenarios.IdentityResolve(),
            new RpcScenarios.ConsentDecide(), new RpcScenarios.SegmentsIsMember(), new ConsentWithdrawal(),
            new ConsentEndToEnd(), new ErasureEndToEnd(), new FuzzDrain(), new IngestScenarios.GrpcBatch(),
            new IngestScenarios.HttpBatch(), new SegmentsFreshness(), new ServiceStartup()),
            FaultScenario.family().stream()).toList();

    /** "all", "faults" (the whole family), a scenario's name, or faults:&lt;fault&gt; as issue 18 spells it. */
    static boolean chosen(Scenario s, String which) {
        return "all".equals(which) || s.name().equals(which)
                || "faults".equals(which) && FaultScenario.inFamily(s)
                || which != null && which.startsWith("faults:") && s.name().equals(which.replace("faults:", "faults-"));
    }

    @Override
    public int run(String... args) throws Exception {
        String which = null;
        boolean smoke = false;
        Path root = Path.of(BenchContext.env("CAIRN_ROOT", ".")).toAbsolutePath().normalize();
        Path out = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--smoke")) {
                smoke = true;
            } else if (a.equals("--out")) {
                out = Path.of(args[++i]);
            } else if (a.contains("=")) {
                overrides.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
            } else {
                which = a;
            }
        }
        List<Scenario> chosen = new ArrayList<>();
        for (Scenario s : SCENARIOS) {
            if (chosen(s, which)) {
                chosen.add(s);
            }
        }
        if (chosen.isEmpty()) {
            System.err.println(
                    "usage: bench <all|faults|" + String.join("|", SCENARIOS.stream().map(Scenario::name).toList())
                            + "> [--smoke] [--out DIR] [key=value ...]");
            return 2;
        }
        String runId = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                .format(Instant.now());
        if (out == null) {
            out = root.resolve("load-tests/results").resolve(runId + (smoke ? "-smoke" : ""));
        }
        Files.createDirectories(out.resolve("logs"));
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        List<Map<String, Object>> summary = new ArrayList<>();
        boolean failed = false;
        try (BenchContext ctx = new BenchContext(root, out, smoke, runId)) {
            for (Scenario s : chosen) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("scenario", s.name());
                doc.put("smoke", smoke);
                doc.put("started", Instant.now().toString());
                System.out.printf("==> %s%s%n", s.name(), smoke ? " (smoke)" : "");
                doc.put("consumers_before", awaitConsumersDrained(ctx, SETTLE_MAX));
                doc.put("machine_before", Processes.machine());
                ScenarioResult r;
                Params params = new Params(root.resolve("load-tests/scenarios/" + s.name() + ".properties"), smoke,
                        overrides);
                doc.put("parameters", params.asMap());
                try {
                    r = s.run(ctx, params);
                } catch (Exception | AssertionError e) {
                    r = new ScenarioResult(s.name());
                    r.errors.add("scenario failed: " + e);
                    e.printStackTrace();
                }
                doc.put("finished", Instant.now().toString());
                doc.put("machine_after", Processes.machine());
                doc.put("figures", r.figures);
                doc.put("targets", r.targets);
                doc.put("notes", r.notes);
                doc.put("errors", r.errors);
                json.writeValue(out.resolve(s.name() + ".json").toFile(), doc);
                try {
                    Plots.write(r, out.resolve(s.name() + ".png"));
                } catch (Exception e) {
                    r.errors.add("plot: " + e);
                }
                for (Map<String, Object> t : r.targets) {
                    System.out.printf("    %s %s: %s (target %s)%n",
                            Boolean.TRUE.equals(t.get("met")) ? "met   " : "MISSED",
                            t.get("figure"), t.get("measured"), t.get("target"));
                }
                r.notes.forEach(n -> System.out.println("    note: " + n));
                r.errors.forEach(e -> System.out.println("    ERROR: " + e));
                failed |= !r.errors.isEmpty();
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("scenario", s.name());
                line.put("targets", r.targets);
                line.put("errors", r.errors.size());
                line.put("load_before", ((Map<?, ?>) doc.get("machine_before")).get("loadavg"));
                line.put("load_after", ((Map<?, ?>) doc.get("machine_after")).get("loadavg"));
                line.put("throughput", r.throughput);
                line.put("throughput_unit", r.throughputUnit);
                summary.add(line);
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("run", runId);
        doc.put("smoke", smoke);
        doc.put("machine", Processes.machine());
        doc.put("scenarios", summary);
        json.writeValue(out.resolve("summary.json").toFile(), doc);
        Files.writeString(out.resolve("summary.md"), markdown(runId, smoke, summary));
        System.out.println("results in " + out);
        return failed ? 1 : 0;
    }

    /**
     * The protocol's first step, before every scenario: wait until identity, consent and segments have read
     * everything the scenarios before left them (bounded), so that a scenario measures its own load, not the
     * backlog of the previous one (run 12 of issue 20: segments-freshness, right after ingest-http at load 16,
     * measured 30 s of ingest-http's backlog). What was left, and how long it took, goes into the result.
     */
    static Map<String, Object> awaitConsumersDrained(BenchContext ctx, Duration max) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (ConsumerBacklog backlog = new ConsumerBacklog(ctx.kafka(), 5_000)) {
            Map<String, Map<String, Long>> before = backlog.remaining(ConsumerBacklog.CAIRN_GROUPS);
            out.put("backlog", before);
            if (!before.isEmpty()) {
                System.out.printf("    waiting up to %ss for the consumers' backlog to drain: %s%n", max.toSeconds(),
                        before);
            }
            ConsumerBacklog.Drain drain = backlog.awaitDrained(ConsumerBacklog.CAIRN_GROUPS, max);
            out.put("waited_s", Math.round(drain.seconds() * 100) / 100.0);
            if (!drain.left().isEmpty()) {
                out.put("still_left", drain.left());
                System.out.printf("    started with a backlog still left after %ss: %s%n", max.toSeconds(),
                        drain.left());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.put("not_read", e.toString());
        } catch (Exception e) {
            out.put("not_read", e.toString());
        }
        return out;
    }

    /** The run as Markdown tables, to copy into load-tests/README.md (figures are never typed by hand). */
    static String markdown(String runId, boolean smoke, List<Map<String, Object>> summary) {
        Map<String, Object> m = Processes.machine();
        StringBuilder sb = new StringBuilder();
        sb.append("Run ").append(runId).append(smoke ? " (smoke: figures mean nothing)" : "").append(", ")
                .append(m.get("cores")).append(" cores, ").append(m.get("memory_gib")).append(" GiB\n\n");
        sb.append("| scenario | figure | measured | target | met | load (1/5/15 min) before → after |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Map<String, Object> line : summary) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> targets = (List<Map<String, Object>>) line.get("targets");
            String load = loadOf(line.get("load_before")) + " → " + loadOf(line.get("load_after"));
            for (Map<String, Object> t : targets) {
                sb.append("| ").append(line.get("scenario")).append(" | ").append(t.get("figure")).append(" | ")
                        .append(t.get("measured")).append(" | ").append(t.get("target")).append(" | ")
                        .append(Boolean.TRUE.equals(t.get("met")) ? "yes" : "**no**").append(" | ").append(load)
                        .append(" |\n");
            }
        }
        sb.append("\n| scenario | throughput | value | unit |\n|---|---|---|---|\n");
        for (Map<String, Object> line : summary) {
            @SuppressWarnings("unchecked")
            Map<String, Double> tp = (Map<String, Double>) line.get("throughput");
            for (Map.Entry<String, Double> e : tp.entrySet()) {
                sb.append("| ").append(line.get("scenario")).append(" | ").append(e.getKey()).append(" | ")
                        .append(e.getValue() < 10
                                ? String.format(java.util.Locale.ROOT, "%.4f", e.getValue())
                                : String.format(java.util.Locale.ROOT, "%.1f", e.getValue()))
                        .append(" | ")
                        .append(line.get("throughput_unit")).append(" |\n");
            }
        }
        return sb.toString();
    }

    private static String loadOf(Object loadavg) {
        String[] f = String.valueOf(loadavg).split(" ");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : String.valueOf(loadavg);
    }
}
