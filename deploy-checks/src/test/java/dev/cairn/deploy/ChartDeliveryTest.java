package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.internals.FetchMetricsRegistry;
import org.apache.kafka.common.MetricNameTemplate;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.connect.runtime.ConnectMetricsRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cairn.delivery.plan.ConnectorConfigs;
import dev.cairn.delivery.plan.Delivery;
import dev.cairn.delivery.plan.DeliveryAccess;
import dev.cairn.delivery.plan.DeliveryCommand;
import dev.cairn.delivery.plan.DeliveryPlan;

/**
 * With delivery.enabled, the chart deploys Kafka Connect as ./cairn up runs it, from the same sources: a Strimzi
 * KafkaConnect whose image holds the Debezium JDBC sink and Cairn's plugin, logging in with SCRAM from a Secret; the
 * Connect principal's ACLs and dead-letter topics exactly as DeliveryAccess and DeliveryCommand derive them from the
 * shipped delivery plan; connectors applied by a hook Job running DeliveryCommand apply; NetworkPolicies, PDB and
 * alerts. With it off, none of it renders. These are rendering checks: no cluster, no Strimzi operator here.
 */
class ChartDeliveryTest {

    static final Path DELIVERY = RepoLayout.CHART.resolve("ci/delivery-values.yaml");
    static final Path PLAIN_APPLY_JOB = Path.of("src/test/resources/plain-delivery-apply-values.yaml").toAbsolutePath();
    /** Where Strimzi mounts externalConfiguration volumes: /opt/kafka/external-configuration/<volume name>. */
    static final String EXTERNAL_CONFIGURATION = "/opt/kafka/external-configuration";
    static final String PRINCIPAL_VARIABLE = "CAIRN_KAFKA_PRINCIPAL_CONNECT";
    private static final Pattern TOPIC_CREATE = Pattern
            .compile("(?m)^.*/opt/kafka/bin/kafka-topics\\.sh .* --create --if-not-exists --topic (\\S+) (.*)$");

    private static DeliveryPlan plan;
    private static JsonNode values;
    private static Manifests m;
    private static JsonNode connect;
    private static String topicScript;

    @BeforeAll
    static void render() {
        plan = DeliveryPlan.load(RepoLayout.CONTRACTS);
        assertFalse(plan.deliveries().isEmpty(), "the shipped plan delivers nothing; these checks would check nothing");
        values = HelmChart.read(DELIVERY);
        m = HelmChart.render(DELIVERY, HelmChart.PLAIN_TOPIC_JOB, PLAIN_APPLY_JOB);
        connect = m.get("KafkaConnect", HelmChart.RELEASE).path("spec");
        topicScript = m.get("Job", HelmChart.RELEASE + "-topics").path("spec").path("template").path("spec")
                .path("containers").get(0).path("args").get(0).asText();
    }

    @Test
    void withDeliveryOffNothingOfItRenders() {
        for (Path ciCase : List.of(ChartLintTest.DEFAULT_CASE, ChartKafkaAclTest.PRODUCTION)) {
            Manifests off = HelmChart.render(ciCase, HelmChart.PLAIN_TOPIC_JOB, PLAIN_APPLY_JOB);
            for (String kind : List.of("KafkaConnect", "KafkaConnector", "PodMonitor")) {
                assertTrue(off.ofKind(kind).isEmpty(), ciCase.getFileName() + ": " + kind + " rendered");
            }
            List<String> names = off.names();
            assertTrue(names.stream().noneMatch(n -> n.contains("connect") || n.contains("delivery")),
                    ciCase.getFileName() + ": " + names);
            String script = off.get("Job", HelmChart.RELEASE + "-topics").path("spec").path("template").path("spec")
                    .path("containers").get(0).path("args").get(0).asText();
            assertFalse(script.contains(PRINCIPAL_VARIABLE) || script.contains("dead-letters.delivery"),
                    ciCase.getFileName() + ": the topic Job grants or creates something for delivery");
            off.ofKind("PrometheusRule").forEach(r -> assertFalse(r.toString().contains("CairnDelivery"),
                    ciCase.getFileName() + ": delivery alerts without delivery"));
        }
    }

    @Test
    void theConnectImageHoldsTheJdbcSinkAndCairnsPluginAtTheRepositorysVersions() throws IOException {
        assertEquals(pomProperty(RepoLayout.ROOT.resolve("pom.xml"), "kafka.broker.version"),
                connect.path("version").asText(), "Connect runs the broker's and infra/connect's Kafka version");
        assertTrue(m.get("KafkaConnect", HelmChart.RELEASE).path("metadata").path("annotations")
                .path("strimzi.io/use-connector-resources").asText().equals("false"),
                "connectors come from DeliveryCommand through the REST API, not KafkaConnector resources");
        Map<String, JsonNode> artifacts = new TreeMap<>();
        connect.path("build").path("plugins").forEach(p -> p.path("artifacts").forEach(
                a -> artifacts.put(a.path("group").asText() + ":" + a.path("artifact").asText(), a)));
        assertEquals(Set.of("io.debezium:debezium-connector-jdbc", "dev.cairn:cairn-delivery"), artifacts.keySet());
        assertEquals(pomProperty(RepoLayout.ROOT.resolve("infra/connect/pom.xml"), "debezium.version"),
                artifacts.get("io.debezium:debezium-connector-jdbc").path("version").asText(),
                "the JDBC sink the local worker and DeliveryToWarehouseTest run");
        artifacts.values().forEach(a -> assertEquals("maven", a.path("type").asText()));
        assertEquals(values.path("delivery").path("connect").path("build").path("outputImage").asText(),
                connect.path("build").path("output").path("image").asText());
        // Distributed mode with the group and internal topics DeliveryAccess grants.
        JsonNode config = connect.path("config");
        assertEquals(DeliveryAccess.WORKER_GROUP, config.path("group.id").asText());
        for (String topic : List.of("config", "offset", "status")) {
            assertTrue(config.path(topic + ".storage.topic").asText().startsWith(DeliveryAccess.INTERNAL_TOPIC_PREFIX),
                    topic + " storage topic outside the principal's internal-topic prefix");
        }
    }

    @Test
    void connectLogsInWithScramFromASecretAndNoSecretValueIsInlined() {
        JsonNode auth = connect.path("authentication");
        JsonNode credentials = HelmChart.read(RepoLayout.CHART.resolve("values.yaml")).path("delivery").path("connect");
        assertEquals("scram-sha-512", auth.path("type").asText(), "kafka.security.sasl.mechanism SCRAM-SHA-512");
        assertEquals(credentials.path("kafkaUser").asText(), auth.path("username").asText());
        assertEquals(credentials.path("passwordSecret").path("name").asText(),
                auth.path("passwordSecret").path("secretName").asText());
        assertEquals(credentials.path("passwordSecret").path("key").asText(),
                auth.path("passwordSecret").path("password").asText());
        assertEquals(Set.of("type", "username", "passwordSecret"), fieldNames(auth),
                "the password stays in its Secret");
        JsonNode trust = connect.path("tls").path("trustedCertificates").get(0);
        assertEquals("kafka-ca", trust.path("secretName").asText(), "the brokers' CA from the chart's trust store");
        // Nothing secret-looking in the worker's config; connections only as mounted Secrets.
        connect.path("config").fieldNames().forEachRemaining(
                k -> assertFalse(ServiceConfig.looksSecret(k) || k.contains("jaas"), "worker config holds " + k));
        // Connector configs are rendered by the apply Job at run time, never into a manifest (the contracts
        // ConfigMap only documents the references).
        for (int i = 0; i < m.docs.size(); i++) {
            if (!m.docs.get(i).path("metadata").path("name").asText().equals(HelmChart.RELEASE + "-contracts")) {
                String doc = m.sources.get(i);
                assertFalse(doc.contains("connection.password") || doc.contains("connection.url"),
                        "a connector's connection settings are in " + m.names().get(i));
            }
        }
        assertTrue(m.ofKind("Secret").isEmpty());
        // Every connection the plan's connectors reference is a mounted Secret where the dir provider may read it.
        Map<String, String> mounted = new TreeMap<>();
        connect.path("externalConfiguration").path("volumes")
                .forEach(v -> mounted.put(v.path("name").asText(), v.path("secret").path("secretName").asText()));
        for (Delivery d : plan.deliveries()) {
            assertTrue(mounted.containsKey(d.target().connection()) && !mounted.get(d.target().connection()).isEmpty(),
                    d.destination() + " delivers to connection " + d.target().connection() + ", not mounted: "
                            + mounted);
        }
        assertEquals("org.apache.kafka.common.config.provider.DirectoryConfigProvider",
                connect.path("config").path("config.providers.dir.class").asText());
        assertEquals(EXTERNAL_CONFIGURATION, connect.path("config").path("config.providers.dir.param.allowed.paths")
                .asText());
    }

    @Test
    void aHookJobAppliesTheConnectorsWithDeliveryCommandAgainstTheConnectService() throws IOException {
        String template = Files.readString(RepoLayout.CHART.resolve("templates/delivery-apply-job.yaml"));
        assertTrue(template.contains("helm.sh/hook: post-install,post-upgrade"), "after the workers exist");
        JsonNode job = m.get("Job", HelmChart.RELEASE + "-delivery-apply");
        JsonNode pod = job.path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        assertEquals(connect.path("build").path("output").path("image").asText(), container.path("image").asText(),
                "the Job runs in the image Strimzi built, which holds cairn-delivery");
        // Locked down like every other pod of the chart.
        assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean());
        assertFalse(pod.path("automountServiceAccountToken").asBoolean(true), "no API token is needed");
        assertTrue(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean());
        assertTrue(container.path("volumeMounts").findValuesAsText("mountPath").contains("/tmp"));
        assertTrue(env(container).isEmpty(), "the Job needs no credential: " + env(container));
        String script = container.path("args").get(0).asText();
        Matcher call = Pattern.compile(DeliveryCommand.class.getName() + " apply \\\\?\\s*(\\S+) (\\S+) (\\S+) (\\S+)")
                .matcher(script);
        assertTrue(call.find(), "the Job runs DeliveryCommand apply:\n" + script);
        assertEquals("http://" + HelmChart.RELEASE + "-connect-api." + HelmChart.NAMESPACE + ".svc:8083",
                call.group(1), "Strimzi's REST Service of the KafkaConnect " + HelmChart.RELEASE);
        String contracts = call.group(2);
        assertTrue(pod.path("containers").get(0).path("volumeMounts").findValuesAsText("mountPath").contains(contracts),
                "the contracts are mounted where the Job reads them");
        Set<String> paths = new TreeSet<>(pod.path("volumes").findValuesAsText("path"));
        assertTrue(paths.containsAll(Set.of(DeliveryPlan.DESTINATIONS, "topics.yaml")), paths.toString());
        // The rendered connectors' ${dir:...} references point into the volumes the workers mount.
        ConnectorConfigs configs = new ConnectorConfigs(Path.of(call.group(3)), Short.parseShort(call.group(4)));
        Set<String> volumes = new TreeSet<>(connect.path("externalConfiguration").path("volumes")
                .findValuesAsText("name"));
        Pattern reference = Pattern.compile("\\$\\{dir:" + Pattern.quote(EXTERNAL_CONFIGURATION) + "/([^:]+):");
        for (Delivery d : plan.deliveries()) {
            Map<String, String> rendered = configs.render(d, plan);
            int references = 0;
            for (String value : rendered.values()) {
                Matcher r = reference.matcher(value);
                while (r.find()) {
                    assertTrue(volumes.contains(r.group(1)),
                            d.connectorName() + " reads " + r.group() + ": not mounted");
                    references++;
                }
            }
            assertTrue(references > 0, d.connectorName() + ": no connection reference rendered");
        }
        assertEquals(values.path("kafka").path("replicationFactor").asInt(3), Integer.parseInt(call.group(4)));
    }

    /**
     * One policy, two renderings, as for the services: the topic Job grants the Connect principal exactly what
     * DeliveryAccess derives from the shipped plan for ./cairn up and DeliveryToWarehouseTest. A rule changed on
     * either side, or a destination the template misses, fails here.
     */
    @Test
    void theConnectPrincipalsAclsAreExactlyWhatDeliveryAccessDerives() {
        Set<String> expected = new TreeSet<>();
        for (AclBinding b : DeliveryAccess.bindings(plan, "User:" + PRINCIPAL_VARIABLE)) {
            String type = switch (b.pattern().resourceType()) {
                case TOPIC -> "topic";
                case GROUP -> "group";
                default -> throw new AssertionError("unexpected resource type " + b.pattern().resourceType());
            };
            String op = b.entry().operation().name().charAt(0)
                    + b.entry().operation().name().substring(1).toLowerCase();
            expected.add(b.entry().principal().substring("User:".length()) + " "
                    + b.pattern().patternType().name().toLowerCase() + " " + type + " " + b.pattern().name() + " "
                    + op);
        }
        Set<String> rendered = new TreeSet<>();
        for (ChartKafkaAclTest.Acl acl : ChartKafkaAclTest.parse(topicScript)) {
            if (acl.principal().equals(PRINCIPAL_VARIABLE)) {
                acl.resources().forEach((type, names) -> names.forEach(name -> acl.operations()
                        .forEach(op -> rendered.add(acl.principal() + " " + acl.pattern() + " " + type + " " + name
                                + " " + op))));
            }
        }
        assertEquals(expected, rendered);
        // The principal is the one the workers log in as.
        JsonNode env = m.get("Job", HelmChart.RELEASE + "-topics").path("spec").path("template").path("spec")
                .path("containers").get(0).path("env");
        String principal = null;
        for (JsonNode e : env) {
            if (e.path("name").asText().equals(PRINCIPAL_VARIABLE)) {
                principal = e.path("value").asText();
            }
        }
        assertEquals(connect.path("authentication").path("username").asText(), principal);
    }

    @Test
    void theDeadLetterTopicsAreCreatedAsDeliveryCommandCreatesThem() {
        Map<String, String> rendered = new TreeMap<>();
        Matcher create = TOPIC_CREATE.matcher(topicScript);
        while (create.find()) {
            if (create.group(1).startsWith("cairn.dead-letters.delivery-")) {
                rendered.put(create.group(1), create.group(2));
            }
        }
        List<NewTopic> expected = DeliveryCommand.deadLetterTopics(plan);
        assertEquals(new TreeSet<>(expected.stream().map(NewTopic::name).toList()), rendered.keySet());
        for (NewTopic t : expected) {
            String options = rendered.get(t.name());
            assertTrue(options.contains("--partitions " + t.numPartitions() + " "), t.name() + ": " + options);
            t.configs().forEach((k, v) -> assertTrue(options.contains("--config " + k + "=" + v),
                    t.name() + " needs " + k + "=" + v + ": " + options));
        }
    }

    @Test
    void networkPoliciesLetConnectReachOnlyWhatItNeeds() {
        JsonNode workers = m.get("NetworkPolicy", HelmChart.RELEASE + "-connect").path("spec");
        JsonNode workerLabels = workers.path("podSelector").path("matchLabels");
        assertEquals(HelmChart.RELEASE + "-connect", workerLabels.path("strimzi.io/name").asText(),
                "Strimzi's label of the workers (not of its build pod)");
        // Ingress: REST from the apply Job, the other workers and the operator; metrics from Prometheus. Nothing else.
        Set<Integer> ingressPorts = new TreeSet<>();
        workers.path("ingress").forEach(r -> r.path("ports").forEach(p -> ingressPorts.add(p.path("port").asInt())));
        assertEquals(Set.of(8083, 9404), ingressPorts);
        JsonNode jobLabels = m.get("Job", HelmChart.RELEASE + "-delivery-apply").path("spec").path("template")
                .path("metadata").path("labels");
        for (JsonNode rule : workers.path("ingress")) {
            assertFalse(rule.path("from").isMissingNode() || rule.path("from").isEmpty(),
                    "every ingress rule names its peers: " + rule);
            if (rule.path("ports").get(0).path("port").asInt() == 8083) {
                List<JsonNode> selectors = rule.path("from").findValues("podSelector");
                assertTrue(selectors.stream().anyMatch(s -> matches(s.path("matchLabels"), jobLabels)),
                        "the apply Job may call the REST API");
                assertTrue(selectors.stream().anyMatch(s -> s.path("matchLabels").equals(workerLabels)),
                        "workers forward to the leader");
            }
        }
        // Egress: DNS, the other workers' REST port, and the configured CIDRs (Kafka, warehouse); no Cairn service.
        Set<String> cidrs = new TreeSet<>();
        for (JsonNode rule : workers.path("egress")) {
            rule.path("to").forEach(to -> {
                if (to.has("ipBlock")) {
                    cidrs.add(to.path("ipBlock").path("cidr").asText());
                } else {
                    assertEquals(workerLabels, to.path("podSelector").path("matchLabels"), "egress to " + to);
                }
            });
            if (!rule.has("to")) {
                rule.path("ports").forEach(p -> assertEquals(53, p.path("port").asInt(), "only DNS goes anywhere"));
            }
        }
        Set<String> configured = new TreeSet<>(values.path("delivery").path("networkPolicy").path("egressTo")
                .findValuesAsText("cidr"));
        assertEquals(configured, cidrs);
        // The workers do not carry the label the services' policies admit Cairn pods by (Strimzi copies the
        // resource's labels to the pods, and adds the pod template's).
        JsonNode podLabels = connect.path("template").path("pod").path("metadata").path("labels");
        JsonNode resourceLabels = m.get("KafkaConnect", HelmChart.RELEASE).path("metadata").path("labels");
        for (JsonNode labels : List.of(podLabels, resourceLabels)) {
            assertFalse(labels.has("app.kubernetes.io/part-of"), "Connect must not be let into the services");
        }
        // The apply Job: nothing comes in, and out only DNS and the workers' REST port.
        JsonNode apply = m.get("NetworkPolicy", HelmChart.RELEASE + "-delivery-apply").path("spec");
        assertTrue(matches(apply.path("podSelector").path("matchLabels"), jobLabels));
        assertTrue(apply.path("ingress").isMissingNode() || apply.path("ingress").isEmpty());
        for (JsonNode rule : apply.path("egress")) {
            if (rule.has("to")) {
                assertEquals(workerLabels, rule.path("to").get(0).path("podSelector").path("matchLabels"));
                assertEquals(8083, rule.path("ports").get(0).path("port").asInt());
            } else {
                rule.path("ports").forEach(p -> assertEquals(53, p.path("port").asInt()));
            }
        }
    }

    @Test
    void workersHaveResourcesAPdbAndMonitoringOnConnectsOwnMetrics() throws IOException {
        assertFalse(connect.path("resources").path("limits").path("memory").asText().isEmpty());
        assertEquals(1, connect.path("template").path("podDisruptionBudget").path("maxUnavailable").asInt(-1));
        JsonNode monitor = m.get("PodMonitor", HelmChart.RELEASE + "-connect").path("spec");
        assertEquals(m.get("NetworkPolicy", HelmChart.RELEASE + "-connect").path("spec").path("podSelector"),
                monitor.path("selector"));
        assertEquals("tcp-prometheus", monitor.path("podMetricsEndpoints").get(0).path("port").asText());
        // Every kafka_connect_* series an alert reads is one the exporter's rules produce.
        String rules = m.get("ConfigMap", HelmChart.RELEASE + "-connect-metrics").path("data")
                .path("metrics-config.yml").asText();
        Set<String> produced = producedNames(HelmChart.YAML.readTree(rules));
        Set<String> alerts = new TreeSet<>();
        Set<String> used = new TreeSet<>();
        for (JsonNode rule : m.ofKind("PrometheusRule")) {
            for (JsonNode group : rule.path("spec").path("groups")) {
                for (JsonNode r : group.path("rules")) {
                    Matcher metric = Pattern.compile("kafka_connect_[a-z_]+").matcher(r.path("expr").asText());
                    while (metric.find()) {
                        used.add(metric.group());
                        alerts.add(r.path("alert").asText());
                    }
                }
            }
        }
        assertTrue(alerts.containsAll(Set.of("CairnDeliveryTaskFailed", "CairnDeliveryLag")), alerts.toString());
        assertTrue(produced.containsAll(used), "alerts read " + used + ", the exporter produces " + produced);
    }

    /**
     * The exporter's rules read metrics Connect really registers: each rule's MBean type, tags and attribute names are
     * templates of Connect's own metric registry (the connect-runtime version the workers run) or, for the sink
     * consumers' lag, of the consumer's fetch metrics. A misspelt attribute would export nothing, silently.
     */
    @Test
    void theExporterRulesReadMetricsConnectRegisters() throws IOException {
        Set<String> registered = new TreeSet<>();
        for (MetricNameTemplate t : new ConnectMetricsRegistry().getAllTemplates()) {
            registered.add("kafka.connect " + t.group() + " " + new TreeSet<>(t.tags()) + " " + t.name());
        }
        for (MetricNameTemplate t : new FetchMetricsRegistry("consumer").getAllTemplates()) {
            // Every consumer metric carries the client's id (the metrics' common tags).
            Set<String> tags = new TreeSet<>(t.tags());
            tags.add("client-id");
            registered.add("kafka.consumer " + t.group() + " " + tags + " " + t.name());
        }
        JsonNode config = HelmChart.YAML.readTree(m.get("ConfigMap", HelmChart.RELEASE + "-connect-metrics")
                .path("data").path("metrics-config.yml").asText());
        Pattern bean = Pattern.compile("^(kafka\\.connect|kafka\\.consumer)<type=([a-z-]+), ([^>]*)><>(.*)$");
        int checked = 0;
        for (JsonNode rule : config.path("rules")) {
            String pattern = rule.path("pattern").asText();
            Matcher b = bean.matcher(pattern);
            assertTrue(b.matches(), "a rule for a bean this check does not know: " + pattern);
            Set<String> tags = new TreeSet<>();
            for (String tag : b.group(3).split(", ")) {
                tags.add(tag.substring(0, tag.indexOf('=')));
            }
            Matcher alternatives = Pattern.compile("^(.*)\\(([a-z|-]+)\\)(.*)$").matcher(b.group(4));
            List<String> attributes = alternatives.matches()
                    ? List.of(alternatives.group(2).split("\\|")).stream()
                            .map(a -> alternatives.group(1) + a + alternatives.group(3)).toList()
                    : List.of(b.group(4));
            for (String attribute : attributes) {
                String metric = b.group(1).replace("\\", "") + " " + b.group(2) + " " + tags + " " + attribute;
                assertTrue(registered.contains(metric), "Connect registers no " + metric);
                checked++;
            }
        }
        assertTrue(checked >= 10, "only " + checked + " metrics checked");
    }

    /** The metric names a JMX exporter rule set can produce, expanding $n from the n-th group's alternatives. */
    private static Set<String> producedNames(JsonNode config) {
        Set<String> names = new TreeSet<>();
        for (JsonNode rule : config.path("rules")) {
            List<String> groups = new ArrayList<>();
            Matcher g = Pattern.compile("\\(([^()]*)\\)").matcher(rule.path("pattern").asText());
            while (g.find()) {
                groups.add(g.group(1));
            }
            List<String> expanded = List.of(rule.path("name").asText());
            for (int i = groups.size(); i >= 1; i--) {
                String token = "$" + i;
                List<String> next = new ArrayList<>();
                for (String name : expanded) {
                    if (name.contains(token)) {
                        for (String alternative : groups.get(i - 1).split("\\|")) {
                            next.add(name.replace(token, alternative));
                        }
                    } else {
                        next.add(name);
                    }
                }
                expanded = next;
            }
            expanded.forEach(n -> names.add(n.replace('-', '_')));
        }
        return names;
    }

    private static Set<String> env(JsonNode container) {
        return new TreeSet<>(container.path("env").findValuesAsText("name"));
    }

    private static boolean matches(JsonNode selector, JsonNode labels) {
        for (var it = selector.fields(); it.hasNext();) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText())) {
                return false;
            }
        }
        return selector.size() > 0;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String pomProperty(Path pom, String property) {
        try {
            Matcher v = Pattern.compile("<" + Pattern.quote(property) + ">([^<]+)</").matcher(Files.readString(pom));
            assertTrue(v.find(), pom + " has no " + property);
            return v.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
