package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.TopicCatalog;
import dev.cairn.platform.contracts.TopicSpec;

/**
 * The rendered chart wires each service to the ports, configuration keys, environment variables and topics the
 * service itself reads, as found in services/ and contracts/ (see {@link ServiceConfig}).
 */
class ChartWiringTest {

    /**
     * Keys and variables the chart may set that no Cairn file declares, each with why the service reads it.
     */
    private static final Map<String, String> QUARKUS_KEYS = Map.of(
            "quarkus.otel.exporter.otlp.endpoint",
            "OpenTelemetry exporter endpoint (platform: CAIRN_OTEL_EXPORTER=otlp)",
            "config_ordinal", "SmallRye: the file's precedence over the packaged application.properties");
    private static final Map<String, String> EXTRA_ENV = Map.of(
            "QUARKUS_CONFIG_LOCATIONS", "Quarkus: where the chart's properties file is",
            "JAVA_TOOL_OPTIONS", "the JVM's heap and OOM flags",
            "QUARKUS_REDIS_PASSWORD", "quarkus-redis-client's password, only from a Secret",
            "CAIRN_KAFKA_SASL_USERNAME", "the service's Kafka principal, for Kubernetes' $(VAR) in the JAAS line",
            "CAIRN_KAFKA_SASL_PASSWORD", "its password, likewise (from a Secret)");

    static final TopicCatalog CATALOG = TopicCatalog.load(ContractSource.directory(RepoLayout.CONTRACTS));

    static List<Path> ciCases() {
        return HelmChart.ciCases();
    }

    static Map<String, ServiceConfig> services() {
        Map<String, ServiceConfig> all = new TreeMap<>();
        RepoLayout.serviceNames().forEach(s -> all.put(s, ServiceConfig.of(s)));
        return all;
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void everyServiceInTheRepositoryIsDeployed(Path ciCase) {
        Manifests m = HelmChart.render(ciCase);
        for (String service : RepoLayout.serviceNames()) {
            m.deployment(service);
            m.get("Service", Manifests.objectName(service));
        }
        assertEquals(RepoLayout.serviceNames().size(), m.ofKind("Deployment").size(), m.names().toString());
    }

    @Test
    void defaultPortsAreTheOnesEachServiceListensOn() {
        Manifests m = HelmChart.render(ChartLintTest.DEFAULT_CASE);
        services().forEach((name, config) -> {
            int port = Integer.parseInt(config.properties.get("quarkus.http.port"));
            int management = Integer.parseInt(config.properties.get("quarkus.management.port"));
            assertEquals(port, containerPort(m, name, "grpc"), name + ": gRPC/HTTP port");
            assertEquals(management, containerPort(m, name, "management"), name + ": management port");
        });
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void probesHitTheGrpcHealthServiceAndTheManagementPort(Path ciCase) {
        Manifests m = HelmChart.render(ciCase);
        for (String name : RepoLayout.serviceNames()) {
            Properties config = m.serviceConfig(name);
            int port = Integer.parseInt(config.getProperty("quarkus.http.port"));
            int management = Integer.parseInt(config.getProperty("quarkus.management.port"));
            JsonNode c = m.container(name);
            assertEquals(port, containerPort(m, name, "grpc"), name + ": container port = quarkus.http.port");
            assertEquals(management, containerPort(m, name, "management"), name + ": = quarkus.management.port");
            for (String probe : List.of("startupProbe", "livenessProbe")) {
                assertEquals(port, c.path(probe).path("grpc").path("port").asInt(),
                        name + ": " + probe + " must call grpc.health.v1 on the gRPC port");
            }
            JsonNode ready = c.path("readinessProbe").path("httpGet");
            assertEquals("/q/health/ready", ready.path("path").asText(), name + ": readiness path");
            assertEquals(management, resolvePort(c, ready.path("port")), name + ": readiness on the management port");
            JsonNode service = m.get("Service", Manifests.objectName(name));
            for (JsonNode p : service.path("spec").path("ports")) {
                assertEquals(containerPort(m, name, p.path("targetPort").asText()), p.path("port").asInt(),
                        name + ": Service port " + p.path("name").asText());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void configurationKeysAreKeysTheServiceReads(Path ciCase) {
        Manifests m = HelmChart.render(ciCase);
        services().forEach((name, service) -> {
            Set<String> known = service.knownKeys();
            for (String key : m.serviceConfig(name).stringPropertyNames()) {
                assertTrue(known.contains(key) || QUARKUS_KEYS.containsKey(key), () -> name + ": the chart sets '" + key
                        + "', which neither services/" + name + " nor the platform configuration declares");
            }
            assertEquals("/etc/cairn/config/application.properties",
                    m.env(name).get("QUARKUS_CONFIG_LOCATIONS").path("value").asText());
            assertTrue(mountPaths(m, name).contains("/etc/cairn/config"), name + ": properties file not mounted");
        });
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void environmentVariablesAreOnesTheServiceReads(Path ciCase) {
        Manifests m = HelmChart.render(ciCase);
        services().forEach((name, service) -> {
            Set<String> known = new TreeSet<>(service.envPlaceholders());
            known.addAll(service.knownKeyEnvNames());
            if (service.declaresPrefix("quarkus.kafka-streams.")) {
                known.addAll(KafkaSettings.streamsEnvNames());
            }
            for (String env : m.env(name).keySet()) {
                // KAFKA_* reach every Kafka client of the service as kafka.* (the default-kafka-broker map): each
                // must be a property the Kafka clients define.
                boolean kafkaClient = service.declares("kafka.bootstrap.servers")
                        && KafkaSettings.clientProperty(env).isPresent();
                assertTrue(known.contains(env) || kafkaClient || EXTRA_ENV.containsKey(env), () -> name
                        + ": the chart sets " + env + ", which is neither a ${...} placeholder, a configuration key of"
                        + " services/" + name + " nor a Kafka client property");
            }
        });
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void everyPlaceholderAServiceDeclaresIsSet(Path ciCase) {
        // A placeholder's default is for a laptop (127.0.0.1, dev-only keys); in a cluster each must be set.
        Manifests m = HelmChart.render(ciCase);
        services().forEach((name, service) -> {
            Map<String, JsonNode> env = m.env(name);
            Properties config = m.serviceConfig(name);
            for (String variable : service.envPlaceholders()) {
                assertTrue(env.containsKey(variable),
                        () -> name + ": reads ${" + variable + "} but the chart does not set it");
            }
            for (String key : service.keyPlaceholders()) {
                // A reference to another key the service defines itself (resolved through that key's own
                // placeholders, checked above) is satisfied; anything else the chart must set.
                assertTrue(config.containsKey(key) || env.containsKey(ServiceConfig.envName(key))
                        || service.properties.containsKey(key) && service.properties.get(key).contains("${"),
                        () -> name + ": its configuration refers to ${" + key + "} but the chart does not set " + key);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void servicesGetTheBackendsTheirConfigurationUses(Path ciCase) {
        Manifests m = HelmChart.render(ciCase);
        services().forEach((name, service) -> {
            Properties config = m.serviceConfig(name);
            assertEquals(service.declares("quarkus.redis.hosts"), config.containsKey("quarkus.redis.hosts"),
                    name + ": Redis wiring disagrees with its application.properties");
            boolean database = service.declares("quarkus.datasource.db-kind");
            for (String url : List.of("quarkus.datasource.reactive.url", "quarkus.datasource.jdbc.url")) {
                if (database) {
                    String variable = placeholderOf(service.properties.get(url));
                    assertTrue(m.env(name).containsKey(variable), name + ": " + url + " comes from " + variable);
                }
            }
            assertEquals(service.declaresPrefix("kafka-streams.") || service.declaresPrefix("quarkus.kafka-streams."),
                    config.containsKey("kafka-streams.state.dir"), name + ": Kafka Streams state dir");
            if (config.containsKey("kafka-streams.state.dir")) {
                String dir = config.getProperty("kafka-streams.state.dir");
                assertTrue(mountPaths(m, name).contains(dir), name + ": the Kafka Streams state dir is not a volume");
            }
            assertEquals("false", config.getProperty("cairn.kafka.provision-topics"),
                    name + ": replicas must not create topics (the Job does)");
            assertTrue(mountPaths(m, name).contains(config.getProperty("cairn.contracts-dir")),
                    name + ": cairn.contracts-dir is not where the contracts are mounted");
            assertFalse(config.getProperty("kafka.bootstrap.servers", "").isBlank(), name + ": no Kafka");
        });
    }

    @Test
    void topicsTheServicesUseAreTheCataloguesAndTheChartRenamesNone() {
        Set<String> catalogue = new TreeSet<>();
        CATALOG.topics().forEach(t -> catalogue.add(t.name()));
        Manifests m = HelmChart.render(RepoLayout.CHART.resolve("ci/production-values.yaml"));
        services().forEach((name, service) -> {
            assertFalse(service.topics.isEmpty(), name + ": found no topic in its configuration or code");
            for (String topic : service.topics) {
                assertTrue(catalogue.contains(topic), name + " uses " + topic + ", which contracts/topics.yaml lacks");
            }
            for (String key : m.serviceConfig(name).stringPropertyNames()) {
                assertFalse(key.endsWith(".topic") || key.endsWith(".topics") || key.contains(".topics."),
                        name + ": the chart overrides topic key " + key + "; topic names come from the catalogue");
            }
        });
    }

    @Test
    void topicJobCreatesExactlyTheCatalogueAsTheServicesWould() {
        // By default the Job is a pre-install/pre-upgrade hook, which helm template leaves out of the manifests.
        assertTrue(HelmChart.render(ChartLintTest.DEFAULT_CASE).ofKind("Job").isEmpty(),
                "the topic Job must be a hook");
        Manifests m = HelmChart.render(ChartLintTest.DEFAULT_CASE, HelmChart.PLAIN_TOPIC_JOB);
        int rf = HelmChart.read(RepoLayout.CHART.resolve("values.yaml")).path("kafka").path("replicationFactor")
                .asInt();
        JsonNode job = m.get("Job", HelmChart.RELEASE + "-topics");
        String script = job.path("spec").path("template").path("spec").path("containers").get(0).path("args").get(0)
                .asText();
        Map<String, Map<String, String>> created = new HashMap<>();
        Matcher c = Pattern.compile("--create --if-not-exists --topic (\\S+)(.*)").matcher(script);
        while (c.find()) {
            Map<String, String> options = new HashMap<>();
            Matcher o = Pattern.compile("--(partitions|replication-factor|config) (\\S+)").matcher(c.group(2));
            while (o.find()) {
                if (o.group(1).equals("config")) {
                    String[] kv = o.group(2).split("=", 2);
                    options.put(kv[0], kv[1]);
                } else {
                    options.put(o.group(1), o.group(2));
                }
            }
            created.put(c.group(1), options);
        }
        assertEquals(CATALOG.topics().stream().map(TopicSpec::name).collect(TreeSet::new, Set::add, Set::addAll),
                new TreeSet<>(created.keySet()), "the Job's topics are not the catalogue's");
        for (TopicSpec spec : CATALOG.topics()) {
            Map<String, String> o = created.get(spec.name());
            assertEquals(Integer.toString(spec.partitions()), o.get("partitions"), spec.name() + " partitions");
            assertEquals(Integer.toString(rf), o.get("replication-factor"), spec.name() + " replication factor");
            assertEquals(spec.cleanup(), o.get("cleanup.policy"), spec.name() + " cleanup.policy");
            assertEquals(spec.retention().map(d -> Long.toString(d.toMillis())).orElse("-1"), o.get("retention.ms"),
                    spec.name() + " retention.ms");
            assertEquals(rf > 1 ? "2" : null, o.get("min.insync.replicas"), spec.name() + " min.insync.replicas");
        }
    }

    @Test
    void contractsAreMountedAsTheRepositoryTree() throws IOException {
        Manifests m = HelmChart.render(ChartLintTest.DEFAULT_CASE);
        JsonNode data = m.get("ConfigMap", HelmChart.RELEASE + "-contracts").path("data");
        List<String> expected = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(RepoLayout.CONTRACTS)) {
            walk.filter(Files::isRegularFile).map(p -> RepoLayout.CONTRACTS.relativize(p).toString())
                    .filter(p -> !p.startsWith("target/") && (p.endsWith(".yaml") || p.endsWith(".json")))
                    .sorted().forEach(expected::add);
        }
        JsonNode volume = null;
        for (JsonNode v : m.deployment("ingest").path("spec").path("template").path("spec").path("volumes")) {
            if (v.path("name").asText().equals("contracts")) {
                volume = v;
            }
        }
        Map<String, String> pathOfKey = new HashMap<>();
        volume.path("configMap").path("items")
                .forEach(i -> pathOfKey.put(i.path("key").asText(), i.path("path").asText()));
        List<String> mounted = new ArrayList<>(pathOfKey.values());
        mounted.sort(null);
        assertEquals(expected, mounted, "mounted contract files");
        for (var e : pathOfKey.entrySet()) {
            assertEquals(Files.readString(RepoLayout.CONTRACTS.resolve(e.getValue())).strip(),
                    data.path(e.getKey()).asText().strip(), e.getValue() + " differs from contracts/");
        }
    }

    @Test
    void defaultImagesAreTheOnesTheJibBuildNames() throws IOException {
        // quarkus.container-image.* in the platform defaults name <registry>/<group>/<artifactId>:<version>.
        Properties platform = new Properties();
        try (var r = Files.newBufferedReader(
                RepoLayout.PLATFORM.resolve("src/main/resources/META-INF/microprofile-config.properties"))) {
            platform.load(r);
        }
        String version = HelmChart.read(RepoLayout.CHART.resolve("Chart.yaml")).path("appVersion").asText();
        Manifests m = HelmChart.render(ChartLintTest.DEFAULT_CASE);
        for (String name : RepoLayout.serviceNames()) {
            String pom = Files.readString(RepoLayout.SERVICES.resolve(name).resolve("pom.xml"));
            Matcher a = Pattern.compile("</parent>\\s*<artifactId>([^<]+)</artifactId>").matcher(pom);
            assertTrue(a.find(), name + ": no artifactId in pom.xml");
            String expected = platform.getProperty("quarkus.container-image.registry") + "/"
                    + platform.getProperty("quarkus.container-image.group") + "/" + a.group(1) + ":" + version;
            assertEquals(expected, m.container(name).path("image").asText(), name + ": image");
        }
    }

    private static String placeholderOf(String value) {
        Matcher p = Pattern.compile("\\$\\{([A-Z0-9_]+)").matcher(value == null ? "" : value);
        return p.find() ? p.group(1) : "(none in " + value + ")";
    }

    static int containerPort(Manifests m, String service, String portName) {
        for (JsonNode p : m.container(service).path("ports")) {
            if (p.path("name").asText().equals(portName)) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError(service + ": no container port named " + portName);
    }

    private static int resolvePort(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + port.asText());
    }

    static Set<String> mountPaths(Manifests m, String service) {
        Set<String> paths = new TreeSet<>();
        m.container(service).path("volumeMounts").forEach(v -> paths.add(v.path("mountPath").asText()));
        return paths;
    }
}
