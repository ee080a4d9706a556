package dev.cairn.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;

/**
 * helm/cairn through helm-java, which bundles Helm as a native library (no helm binary on the build machines).
 */
final class HelmChart {

    static final YAMLMapper YAML = new YAMLMapper();
    static final String RELEASE = "cairn";
    static final String NAMESPACE = "cairn";
    /** A current Kubernetes (Helm's offline default is older than the chart's kubeVersion, 1.27 for gRPC probes). */
    static final String KUBE_VERSION = "1.31.0";
    /** Overlay rendering the topic Job as a plain Job (helm template leaves hooks out of its output). */
    static final Path PLAIN_TOPIC_JOB = Path.of("src/test/resources/plain-topic-job-values.yaml").toAbsolutePath();
    private static final AtomicInteger STAGED = new AtomicInteger();

    private HelmChart() {
    }

    /** Every ci/*-values.yaml case of the chart. */
    static List<Path> ciCases() {
        try (Stream<Path> files = Files.list(RepoLayout.CHART.resolve("ci"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-values.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code helm template cairn helm/cairn -n cairn -f <each overlay>}. Throws when Helm refuses. */
    static Manifests render(Path... overlays) {
        var template = new Helm(RepoLayout.CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        for (Path overlay : overlays) {
            template = template.withValuesFile(overlay);
        }
        return Manifests.parse(template.call());
    }

    /**
     * {@code helm lint --strict -f <overlays>}. helm-java's lint takes no values file, so this lints a copy of the
     * chart whose values.yaml is the chart's own overlaid with the overlays, which is what {@code -f} does.
     */
    static LintResult lint(Path... overlays) {
        Path staged = RepoLayout.TARGET.resolve("lint/" + STAGED.incrementAndGet() + "/cairn");
        copyChart(staged);
        ObjectNode values = (ObjectNode) read(RepoLayout.CHART.resolve("values.yaml"));
        for (Path overlay : overlays) {
            merge(values, read(overlay));
        }
        try {
            YAML.writeValue(staged.resolve("values.yaml").toFile(), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Helm(staged).lint().strict().call();
    }

    static JsonNode read(Path yaml) {
        try {
            JsonNode node = YAML.readTree(yaml.toFile());
            return node == null ? YAML.createObjectNode() : node;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + yaml, e);
        }
    }

    /** Deep merge as Helm merges values files: maps merge, anything else is replaced. */
    static void merge(ObjectNode into, JsonNode overlay) {
        for (Iterator<Map.Entry<String, JsonNode>> it = overlay.fields(); it.hasNext();) {
            var e = it.next();
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode target && e.getValue().isObject()) {
                merge(target, e.getValue());
            } else {
                into.set(e.getKey(), e.getValue().deepCopy());
            }
        }
    }

    /** Copies the chart, following the contracts/ link (Helm itself follows it when loading the directory). */
    private static void copyChart(Path to) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(RepoLayout.CHART, FileVisitOption.FOLLOW_LINKS)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            for (Path f : files) {
                String rel = RepoLayout.CHART.relativize(f).toString();
                if (rel.startsWith("contracts/target/")) {
                    continue;
                }
                Path dest = to.resolve(rel);
                Files.createDirectories(dest.getParent());
                Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
