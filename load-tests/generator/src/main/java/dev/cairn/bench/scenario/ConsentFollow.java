package dev.cairn.bench.scenario;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
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
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.IdentityChange;
import dev.cairn.proto.events.v1.IdentityChangeKind;

/**
 * How fast consent follows identity: cairn.identity.changes.v1 is filled while consent is paused, then consent
 * drains it (see load-tests/scenarios/consent-follow.properties). Modelled on {@link IdentityThroughput}.
 */
public final class ConsentFollow implements Scenario {

    static final String CHANGES = "cairn.identity.changes.v1";
    private static final Pattern CHANGES_TOTAL = Pattern
            .compile("^cairn_consent_identity_changes_total\\{([^}]*)\\}\\s+([0-9.eE+-]+)(?: #.*)?$");
    /** HTTP/1.1: the JDK client's default h2c upgrade on plain http:// sometimes fails against the management port. */
    private static final HttpClient METRICS = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Override
    public String name() {
        return "consent-follow";
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        String run = "cf-" + ctx.runId.toLowerCase().replace("t", "").replace("z", "");
        int changes = p.integer("changes");
        long consentPid = ctx.servicePid("consent");
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("changes", changes);
        figures.put("load_before", Processes.machine().get("loadavg"));
        List<IdentityChange> batch = changes(run, changes, p.number("merge_share"), new Random(42));
        double before = applied(ctx);
        IdentityThroughput.signal(consentPid, "STOP");
        long drainStart;
        Map<String, Double> cpuBefore;
        try {
            long fillStart = System.nanoTime();
            fill(ctx, batch);
            figures.put("fill_changes_per_s", Math.round(changes / ((System.nanoTime() - fillStart) / 1e9)));
            cpuBefore = IdentityThroughput.cpu(ctx, "consent", consentPid);
            drainStart = System.nanoTime();
        } finally {
            IdentityThroughput.signal(consentPid, "CONT");
        }
        long deadline = drainStart + p.duration("drain_max").toNanos();
        double now = before;
        while (now - before < changes && System.nanoTime() < deadline) {
            // Each scrape costs consent CPU: four a second, not more.
            Thread.sleep(250);
            now = applied(ctx);
        }
        double seconds = (System.nanoTime() - drainStart) / 1e9;
        Map<String, Double> cpuAfter = IdentityThroughput.cpu(ctx, "consent", consentPid);
        long drained = Math.round(now - before);
        double rate = drained / seconds;
        figures.put("changes_applied", drained);
        figures.put("drain_seconds", Math.round(seconds * 1000) / 1000.0);
        figures.put("consent_changes_per_s", Math.round(rate));
        Map<String, Object> cpuPerChange = new LinkedHashMap<>();
        for (String process : cpuAfter.keySet()) {
            double used = cpuAfter.get(process) - cpuBefore.getOrDefault(process, 0.0);
            cpuPerChange.put(process, drained == 0 ? null : Math.round(used * 1e6 / drained));
        }
        figures.put("cpu_us_per_change", cpuPerChange);
        figures.put("load_after", Processes.machine().get("loadavg"));
        if (drained < changes) {
            r.errors.add(
                    "consent applied " + drained + " of " + changes + " changes within " + p.duration("drain_max"));
        }
        r.figures.put("fresh", figures);
        r.throughput.put("consent follows identity (changes/s)", rate);
        r.notes.add(String.format("%d changes drained in %.1f s = %.0f changes/s, CPU µs/change %s, load %s → %s",
                drained, seconds, rate, cpuPerChange, figures.get("load_before"), figures.get("load_after")));
        r.throughputUnit = "changes per second";
        return r;
    }

    /**
     * What identity emits for fresh people: a LINKED change of three new identifiers per person, in a new profile;
     * now and then a MERGED change joining an earlier person's profile into a newer one (a login that brings two
     * people's devices together). One space: sequences increase.
     */
    static List<IdentityChange> changes(String run, int n, double mergeShare, Random random) {
        List<IdentityChange> changes = new ArrayList<>(n);
        List<String> profiles = new ArrayList<>();
        long seq = System.currentTimeMillis() * 1000;
        Instant t = Instant.now();
        Timestamp ts = Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
        for (int i = 0; i < n; i++) {
            String person = run + "-" + i;
            IdentityChange.Builder c = IdentityChange.newBuilder().setSequence(++seq).setOccurredAt(ts)
                    .setRecordedAt(ts);
            if (profiles.size() > 2 && random.nextDouble() < mergeShare) {
                String survivor = profiles.get(profiles.size() - 1);
                String absorbed = profiles.remove(random.nextInt(profiles.size() - 1));
                c.setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_MERGED).setProfileId(survivor)
                        .addAbsorbedProfileIds(absorbed).addIdentifiers(id("anonymous_id", "anon-m-" + person));
            } else {
                String profile = "prof-" + person;
                profiles.add(profile);
                c.setKind(IdentityChangeKind.IDENTITY_CHANGE_KIND_LINKED).setProfileId(profile)
                        .addIdentifiers(id("anonymous_id", "anon-" + person))
                        .addIdentifiers(id("user_id", "user-" + person))
                        .addIdentifiers(id("email", "p-" + person + "@follow.example.net"));
            }
            changes.add(c.build());
        }
        return changes;
    }

    private static Identifier id(String namespace, String value) {
        return Identifier.newBuilder().setNamespace(namespace).setValue(value).build();
    }

    /** Writes the changes as identity's outbox does (keyed by profile id) and waits for every acknowledgement. */
    private static void fill(BenchContext ctx, List<IdentityChange> batch) throws Exception {
        // As the operator: the broker takes SASL clients only, and only identity may write its changes.
        Properties props = ctx.kafka();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
            for (IdentityChange c : batch) {
                sent.add(producer.send(new ProducerRecord<>(CHANGES, c.getProfileId(), c.toByteArray())));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        }
    }

    /** Identity changes consent has applied so far, every kind (dead-lettered ones are not counted there). */
    private static double applied(BenchContext ctx) throws IOException, InterruptedException {
        HttpResponse<String> response = METRICS.send(HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + (ctx.port("consent") + 1000) + "/q/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        double sum = 0;
        for (String line : response.body().split("\n")) {
            Matcher m = CHANGES_TOTAL.matcher(line.trim());
            if (m.matches() && m.group(1).contains("result=\"applied\"")) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }
}
