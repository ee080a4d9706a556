package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** ServiceMonitor, alerts and dashboard point at the metrics the services really expose. */
class MonitoringTest {

    static final Manifests PRODUCTION = HelmChart.render(RepoLayout.CHART.resolve("ci/production-values.yaml"));
    private static final Pattern CAIRN_METRIC = Pattern.compile("(?<![\"\\w])((?:cairn|segments)_[a-z_]+)");

    @Test
    void serviceMonitorScrapesTheManagementPortAtTheMetricsPath() {
        String path = ServiceConfig.of("ingest").properties.get("quarkus.micrometer.export.prometheus.path");
        List<JsonNode> monitors = PRODUCTION.ofKind("ServiceMonitor");
        assertEquals(1, monitors.size());
        JsonNode endpoint = monitors.get(0).path("spec").path("endpoints").get(0);
        assertEquals("management", endpoint.path("port").asText());
        assertEquals(path, endpoint.path("path").asText());
    }

    @Test
    void alertsCoverLagDeadLettersQuarantineConsentDropsAndCountDivergence() {
        Set<String> alerts = new TreeSet<>();
        PRODUCTION.ofKind("PrometheusRule").forEach(r -> r.path("spec").path("groups")
                .forEach(g -> g.path("rules").forEach(rule -> alerts.add(rule.path("alert").asText()))));
        assertTrue(alerts.containsAll(Set.of("CairnConsumerLag", "CairnQuarantineRateHigh", "CairnConsentDropSpike",
                "CairnIngestUnansweredEvents", "CairnGovernedCountDivergence", "CairnDeadLetters")), alerts.toString());
    }

    @Test
    void alertAndDashboardMetricsAreMetersTheServicesRegister() throws IOException {
        Set<String> meters = meterNames();
        assertFalse(meters.isEmpty(), "found no meter names in services/");
        StringBuilder exprs = new StringBuilder();
        PRODUCTION.ofKind("PrometheusRule").forEach(r -> r.path("spec").path("groups")
                .forEach(g -> g.path("rules").forEach(rule -> exprs.append(rule.path("expr").asText()).append('\n'))));
        String dashboard = PRODUCTION.get("ConfigMap", HelmChart.RELEASE + "-dashboard").path("data").path("cairn.json")
                .asText();
        JsonNode parsed = new ObjectMapper().readTree(dashboard);
        assertFalse(parsed.path("panels").isEmpty(), "dashboard has no panels");
        parsed.path("panels")
                .forEach(p -> p.path("targets").forEach(t -> exprs.append(t.path("expr").asText()).append('\n')));
        Matcher m = CAIRN_METRIC.matcher(exprs);
        int checked = 0;
        while (m.find()) {
            String metric = m.group(1).replaceAll("_(total|seconds_bucket|seconds_count|seconds_sum|bucket)$", "");
            assertTrue(meters.contains(metric), () -> "alerts or dashboard use " + m.group(1)
                    + " but no service registers a meter named like it; meters: " + meters);
            checked++;
        }
        assertTrue(checked > 5, "too few metrics checked: " + checked);
    }

    /** Micrometer meter names in the services' code, in Prometheus form ('.' becomes '_'). */
    private static Set<String> meterNames() throws IOException {
        Set<String> names = new TreeSet<>();
        Pattern meter = Pattern.compile(
                "(?:counter|timer|Timer\\.builder|Counter\\.builder|Gauge\\.builder|DistributionSummary\\.builder)\\(\\s*\"([a-z][a-z0-9_.]+)\"");
        try (Stream<Path> walk = Files.walk(RepoLayout.SERVICES)) {
            for (Path p : walk.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/"))
                    .toList()) {
                Matcher m = meter.matcher(Files.readString(p));
                while (m.find()) {
                    names.add(m.group(1).replace('.', '_'));
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return names;
    }
}
