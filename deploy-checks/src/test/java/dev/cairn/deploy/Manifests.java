package dev.cairn.deploy;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** The output of {@code helm template}: each document as a tree, and as the typed Kubernetes object it claims to be. */
final class Manifests {

    private static final KubernetesSerialization KUBE = new KubernetesSerialization();
    /** Kinds the chart renders that are custom resources (no typed model in the Kubernetes client). */
    static final Set<String> CUSTOM_KINDS = Set.of("ServiceMonitor", "PrometheusRule", "PodMonitor", "KafkaConnect");

    final String text;
    final List<JsonNode> docs;
    final List<String> sources;

    private Manifests(String text, List<JsonNode> docs, List<String> sources) {
        this.text = text;
        this.docs = docs;
        this.sources = sources;
    }

    static Manifests parse(String rendered) {
        List<JsonNode> docs = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        for (String doc : rendered.split("(?m)^---\\s*$")) {
            JsonNode node;
            try {
                node = HelmChart.YAML.readTree(doc);
            } catch (IOException e) {
                throw new UncheckedIOException("rendered document is not YAML:\n" + doc, e);
            }
            if (node != null && !node.isMissingNode() && !node.isNull()) {
                docs.add(node);
                sources.add(doc);
            }
        }
        return new Manifests(rendered, docs, sources);
    }

    List<JsonNode> ofKind(String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    JsonNode get(String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.path("kind").asText())
                        && name.equals(d.path("metadata").path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered; have " + names()));
    }

    List<String> names() {
        return docs.stream().map(d -> d.path("kind").asText() + "/" + d.path("metadata").path("name").asText())
                .toList();
    }

    static String objectName(String service) {
        return HelmChart.RELEASE + "-" + service;
    }

    JsonNode deployment(String service) {
        return get("Deployment", objectName(service));
    }

    JsonNode container(String service) {
        return deployment(service).path("spec").path("template").path("spec").path("containers").get(0);
    }

    /** Env var name to its definition (value or valueFrom) for a service's container. */
    Map<String, JsonNode> env(String service) {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        container(service).path("env").forEach(e -> env.put(e.path("name").asText(), e));
        return env;
    }

    /** The properties file the chart gives a service (its ConfigMap, read through QUARKUS_CONFIG_LOCATIONS). */
    Properties serviceConfig(String service) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(get("ConfigMap", objectName(service) + "-config").path("data")
                    .path("application.properties").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * Problems found when reading each document as its typed Kubernetes object: a kind the client does not know, or
     * a field the model does not have (a misspelt key that the API server would reject or silently drop).
     */
    List<String> typedProblems() {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            String id = doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
            if (doc.path("apiVersion").asText().isEmpty() || doc.path("kind").asText().isEmpty()
                    || doc.path("metadata").path("name").asText().isEmpty()) {
                problems.add(id + ": apiVersion, kind and metadata.name are required");
                continue;
            }
            HasMetadata typed;
            try {
                typed = KUBE.unmarshal(sources.get(i));
            } catch (RuntimeException e) {
                problems.add(id + ": does not deserialize: " + e.getMessage());
                continue;
            }
            if (typed instanceof GenericKubernetesResource) {
                if (!CUSTOM_KINDS.contains(doc.path("kind").asText())) {
                    problems.add(id + ": not a known Kubernetes kind for " + doc.path("apiVersion").asText());
                }
                continue;
            }
            unknownFields(typed, id, problems, new IdentityHashMap<>());
        }
        return problems;
    }

    /** Walks the typed model; fabric8 keeps fields it does not know in getAdditionalProperties(). */
    private static void unknownFields(Object o, String path, List<String> problems, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object item : c) {
                unknownFields(item, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> || !o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object value = m.invoke(o);
                if (m.getName().equals("getAdditionalProperties")) {
                    if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        problems.add(path + ": unknown field(s) " + extra.keySet());
                    }
                } else {
                    unknownFields(value, path + "." + m.getName().substring(3), problems, seen);
                }
            } catch (ReflectiveOperationException e) {
                // A computed getter (Quantity's numerical amount, say) that cannot answer: not a field.
            }
        }
    }
}
