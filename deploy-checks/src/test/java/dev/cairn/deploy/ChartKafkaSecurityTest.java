package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Every Kafka client the chart starts connects as kafka.security says: each service's clients and channels
 * (KAFKA_*), segments' Kafka Streams (QUARKUS_KAFKA_STREAMS_*) and the topic Job (its --command-config file), each
 * service as its own principal from its own Secret, with the trust store mounted where the settings point.
 */
class ChartKafkaSecurityTest {

    private static final Set<String> SASL = Set.of("SASL_PLAINTEXT", "SASL_SSL");
    private static final Set<String> TLS = Set.of("SSL", "SASL_SSL");
    private static final String STREAMS = "QUARKUS_KAFKA_STREAMS_";

    static List<Path> ciCases() {
        return HelmChart.ciCases();
    }

    /** The security values a case ends up with: the chart's values.yaml overlaid with the case. */
    static JsonNode security(Path... overlays) {
        ObjectNode values = (ObjectNode) HelmChart.read(RepoLayout.CHART.resolve("values.yaml"));
        for (Path overlay : overlays) {
            HelmChart.merge(values, HelmChart.read(overlay));
        }
        return values.path("kafka").path("security");
    }

    @Test
    void theCiCasesCoverEveryWayOfConnecting() {
        // The parameterized checks below are only as good as the cases they see.
        Set<String> seen = new TreeSet<>();
        for (Path ciCase : ciCases()) {
            JsonNode s = security(ciCase);
            String protocol = s.path("protocol").asText();
            seen.add(protocol);
            if (TLS.contains(protocol) && s.path("tls").path("truststore").path("enabled").asBoolean()) {
                seen.add(protocol + "+" + s.path("tls").path("truststore").path("type").asText());
            }
        }
        for (String expected : List.of("PLAINTEXT", "SSL+PEM", "SASL_SSL", "SASL_SSL+PKCS12")) {
            assertTrue(seen.contains(expected), "no ci/ case connects with " + expected + "; have " + seen);
        }
        assertEquals("SASL_SSL", security().path("protocol").asText(), "the chart's default must be SASL_SSL");
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void everyServiceAndKafkaStreamsGetTheSecuritySettingsAndTheirOwnPrincipal(Path ciCase) {
        JsonNode security = security(ciCase);
        Manifests m = HelmChart.render(ciCase);
        Set<String> principals = new HashSet<>();
        for (String service : RepoLayout.serviceNames()) {
            List<JsonNode> env = new ArrayList<>();
            m.container(service).path("env").forEach(env::add);
            checkClient(env, "KAFKA_", security, service);
            boolean streams = ServiceConfig.of(service).declaresPrefix("quarkus.kafka-streams.");
            if (streams) {
                checkClient(env, STREAMS, security, service);
            } else {
                assertTrue(env.stream().noneMatch(e -> e.path("name").asText().startsWith(STREAMS)),
                        service + " has no Kafka Streams, yet the chart gives it Kafka Streams settings");
            }
            checkTrustStoreMount(m.deployment(service).path("spec").path("template").path("spec"),
                    m.container(service), security, service);
            if (SASL.contains(security.path("protocol").asText())) {
                assertTrue(principals.add(principalOf(env)), service + " shares its Kafka principal");
            }
        }
        if (SASL.contains(security.path("protocol").asText())) {
            assertEquals(RepoLayout.serviceNames().size(), principals.size());
        }
    }

    @Test
    void segmentsKafkaStreamsIsFoundAndSecured() {
        // Guards the check above: were segments' Kafka Streams not recognised, it would check nothing for it.
        assertTrue(ServiceConfig.of("segments").declaresPrefix("quarkus.kafka-streams."));
        Map<String, JsonNode> env = HelmChart.render(ChartLintTest.DEFAULT_CASE).env("segments");
        assertEquals("SASL_SSL", env.get(STREAMS + "SECURITY_PROTOCOL").path("value").asText());
        assertTrue(env.containsKey(STREAMS + "SASL_JAAS_CONFIG"));
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void theTopicJobConnectsAsItsOwnPrincipalThroughACommandConfig(Path ciCase) {
        JsonNode security = security(ciCase);
        Manifests m = HelmChart.render(ciCase, HelmChart.PLAIN_TOPIC_JOB);
        if (m.ofKind("Job").isEmpty()) {
            assertFalse(HelmChart.read(ciCase).path("kafka").path("topics").path("create").asBoolean(true),
                    "no topic Job rendered");
            return;
        }
        JsonNode pod = m.get("Job", HelmChart.RELEASE + "-topics").path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        String script = container.path("args").get(0).asText();

        // Every Kafka tool call takes the same --command-config file, and the script writes it first.
        Matcher calls = Pattern.compile("(?m)^.*/opt/kafka/bin/kafka-[a-z-]+\\.sh .*$").matcher(script);
        Set<String> configs = new TreeSet<>();
        int count = 0;
        while (calls.find()) {
            count++;
            Matcher config = Pattern.compile("--command-config (\\S+)").matcher(calls.group());
            assertTrue(config.find(), "a Kafka tool call without --command-config: " + calls.group());
            configs.add(config.group(1));
        }
        assertTrue(count > ChartWiringTest.CATALOG.topics().size(), "found too few kafka-topics.sh calls: " + count);
        assertEquals(1, configs.size(), "one client configuration for every call: " + configs);
        String file = configs.iterator().next();
        Matcher written = Pattern.compile("(?s)cat > " + Pattern.quote(file) + " <<EOF\n(.*?)\nEOF\n").matcher(script);
        assertTrue(written.find(), "the script does not write " + file + " before using it:\n" + script);
        assertTrue(script.indexOf(written.group()) < script.indexOf("kafka-topics.sh"), file + " written too late");
        Properties client = new Properties();
        try {
            client.load(new StringReader(written.group(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String protocol = security.path("protocol").asText();
        assertEquals(protocol, client.getProperty("security.protocol"), file + ": security.protocol");

        List<JsonNode> env = new ArrayList<>();
        container.path("env").forEach(env::add);
        if (SASL.contains(protocol)) {
            String mechanism = security.path("sasl").path("mechanism").asText();
            assertEquals(mechanism, client.getProperty("sasl.mechanism"), file + ": sasl.mechanism");
            assertEquals(loginModule(mechanism) + " required username=\"${CAIRN_KAFKA_SASL_USERNAME}\" "
                    + "password=\"${CAIRN_KAFKA_SASL_PASSWORD}\";", client.getProperty("sasl.jaas.config"),
                    file + ": the JAAS line must take the credentials from the environment");
            checkCredentials(env, security.path("sasl").path("credentials").path("topics"), "the topic Job");
            Set<String> services = new HashSet<>();
            RepoLayout.serviceNames()
                    .forEach(s -> services.add(security.path("sasl").path("credentials").path(s).path("name").asText()
                            + "/" + security.path("sasl").path("credentials").path(s).path("usernameKey").asText()));
            assertFalse(services.contains(principalOf(env)), "the topic Job shares a service's principal");
        } else {
            assertFalse(client.containsKey("sasl.jaas.config") || client.containsKey("sasl.mechanism"),
                    file + ": SASL settings under " + protocol);
            assertTrue(env.stream().noneMatch(e -> e.path("name").asText().startsWith("CAIRN_KAFKA_SASL_")));
        }
        JsonNode truststore = security.path("tls").path("truststore");
        if (TLS.contains(protocol) && truststore.path("enabled").asBoolean()) {
            String type = truststore.path("type").asText();
            assertEquals(type, client.getProperty("ssl.truststore.type"));
            checkTrustStoreFile(pod, container, truststore, client.getProperty("ssl.truststore.location"), "Job");
            if (!type.equals("PEM")) {
                assertEquals("${CAIRN_KAFKA_TRUSTSTORE_PASSWORD}", client.getProperty("ssl.truststore.password"));
                JsonNode password = byName(env, "CAIRN_KAFKA_TRUSTSTORE_PASSWORD")
                        .orElseThrow(() -> new AssertionError("Job: no trust store password"));
                assertSecretRef(password, truststore.path("passwordSecret").path("name").asText(),
                        truststore.path("passwordSecret").path("key").asText(), "Job trust store password");
            }
        } else {
            assertFalse(client.stringPropertyNames().stream().anyMatch(k -> k.startsWith("ssl.truststore.")));
        }
        // The file holds the password once the shell has expanded it: it must be in memory, not on the node's disk.
        assertTrue(file.startsWith("/tmp/"));
        JsonNode tmp = ChartSecurityTest.volume(pod, "tmp");
        assertEquals("Memory", tmp.path("emptyDir").path("medium").asText(), "the Job's /tmp must be in memory");
    }

    @Test
    void unencryptedKafkaIsRefusedUnlessAllowedExplicitly() throws IOException {
        Path overlay = overlay("plaintext", "kafka:\n  security:\n    protocol: PLAINTEXT\n");
        RuntimeException refused = assertThrows(RuntimeException.class,
                () -> HelmChart.render(ChartLintTest.DEFAULT_CASE, overlay));
        assertTrue(refused.getMessage().contains("allowPlaintext"), refused.getMessage());
        Path allowed = overlay("plaintext-allowed",
                "kafka:\n  security:\n    protocol: PLAINTEXT\n    allowPlaintext: true\n");
        Map<String, JsonNode> env = HelmChart.render(ChartLintTest.DEFAULT_CASE, allowed).env("ingest");
        assertEquals("PLAINTEXT", env.get("KAFKA_SECURITY_PROTOCOL").path("value").asText());
        assertFalse(env.containsKey("KAFKA_SASL_JAAS_CONFIG"));
    }

    @Test
    void kafkaVariablesAreCheckedAgainstTheClientsOwnProperties() {
        // ChartWiringTest accepts a KAFKA_* variable only when it names a Kafka client property; this is that rule.
        assertEquals(Optional.of("sasl.jaas.config"), KafkaSettings.clientProperty("KAFKA_SASL_JAAS_CONFIG"));
        assertEquals(Optional.of("ssl.truststore.location"),
                KafkaSettings.clientProperty("KAFKA_SSL_TRUSTSTORE_LOCATION"));
        assertEquals(Optional.empty(), KafkaSettings.clientProperty("KAFKA_SASL_JAAS_CONFIGS"));
        assertEquals(Optional.empty(), KafkaSettings.clientProperty("KAFKA_SASL_USERNAME"));
        assertTrue(KafkaSettings.streamsEnvNames().contains("QUARKUS_KAFKA_STREAMS_SASL_JAAS_CONFIG"));
        assertTrue(KafkaSettings.streamsEnvNames().contains("QUARKUS_KAFKA_STREAMS_SSL_TRUSTSTORE_LOCATION"));
        assertFalse(KafkaSettings.streamsEnvNames().contains("QUARKUS_KAFKA_STREAMS_SASL_JAAS_CONFIGURATION"));
    }

    /** One client's settings (prefix KAFKA_ or QUARKUS_KAFKA_STREAMS_) in a container's env, against the values. */
    static void checkClient(List<JsonNode> env, String prefix, JsonNode security, String service) {
        String who = service + " (" + prefix + "*)";
        String protocol = security.path("protocol").asText();
        assertEquals(protocol, value(env, prefix + "SECURITY_PROTOCOL", who), who + ": security protocol");
        if (SASL.contains(protocol)) {
            String mechanism = security.path("sasl").path("mechanism").asText();
            assertEquals(mechanism, value(env, prefix + "SASL_MECHANISM", who), who + ": SASL mechanism");
            String jaas = value(env, prefix + "SASL_JAAS_CONFIG", who);
            assertEquals(loginModule(mechanism) + " required username=\"$(CAIRN_KAFKA_SASL_USERNAME)\" "
                    + "password=\"$(CAIRN_KAFKA_SASL_PASSWORD)\";", jaas, who + ": the JAAS line");
            // Kubernetes expands $(VAR) only from variables listed before it.
            int at = indexOf(env, prefix + "SASL_JAAS_CONFIG");
            assertTrue(indexOf(env, "CAIRN_KAFKA_SASL_USERNAME") < at && indexOf(env, "CAIRN_KAFKA_SASL_PASSWORD") < at,
                    who + ": the credentials must be listed before the JAAS line that refers to them");
            checkCredentials(env, security.path("sasl").path("credentials").path(service), service);
        } else {
            for (String name : List.of(prefix + "SASL_MECHANISM", prefix + "SASL_JAAS_CONFIG",
                    "CAIRN_KAFKA_SASL_USERNAME")) {
                assertTrue(byName(env, name).isEmpty(), who + ": " + name + " set under " + protocol);
            }
        }
        JsonNode truststore = security.path("tls").path("truststore");
        if (TLS.contains(protocol) && truststore.path("enabled").asBoolean()) {
            String type = truststore.path("type").asText();
            assertEquals(type, value(env, prefix + "SSL_TRUSTSTORE_TYPE", who));
            assertTrue(value(env, prefix + "SSL_TRUSTSTORE_LOCATION", who).startsWith("/"));
            Optional<JsonNode> password = byName(env, prefix + "SSL_TRUSTSTORE_PASSWORD");
            if (type.equals("PEM")) {
                assertTrue(password.isEmpty(), who + ": a PEM trust store has no password");
            } else {
                assertSecretRef(password.orElseThrow(() -> new AssertionError(who + ": no trust store password")),
                        truststore.path("passwordSecret").path("name").asText(),
                        truststore.path("passwordSecret").path("key").asText(), who + " trust store password");
            }
        } else {
            assertTrue(byName(env, prefix + "SSL_TRUSTSTORE_LOCATION").isEmpty(), who + ": a trust store under "
                    + protocol + (truststore.path("enabled").asBoolean() ? "" : " with the trust store off"));
        }
    }

    private static void checkTrustStoreMount(JsonNode pod, JsonNode container, JsonNode security, String who) {
        JsonNode truststore = security.path("tls").path("truststore");
        if (!TLS.contains(security.path("protocol").asText()) || !truststore.path("enabled").asBoolean()) {
            return;
        }
        Map<String, String> env = new HashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        String location = env.get("KAFKA_SSL_TRUSTSTORE_LOCATION");
        checkTrustStoreFile(pod, container, truststore, location, who);
        if (env.containsKey(STREAMS + "SSL_TRUSTSTORE_LOCATION")) {
            assertEquals(location, env.get(STREAMS + "SSL_TRUSTSTORE_LOCATION"), who + ": Kafka Streams' trust store");
        }
    }

    /** The file at location is an item of a mounted volume from the Secret or ConfigMap and key the values name. */
    private static void checkTrustStoreFile(JsonNode pod, JsonNode container, JsonNode truststore, String location,
            String who) {
        assertTrue(location != null && location.startsWith("/"), who + ": trust store location " + location);
        JsonNode mount = null;
        for (JsonNode m : container.path("volumeMounts")) {
            if (location.startsWith(m.path("mountPath").asText() + "/")) {
                mount = m;
            }
        }
        assertTrue(mount != null, who + ": nothing is mounted at " + location);
        assertTrue(mount.path("readOnly").asBoolean(), who + ": the trust store mount must be read-only");
        JsonNode volume = ChartSecurityTest.volume(pod, mount.path("name").asText());
        String secret = truststore.path("secret").asText();
        JsonNode source = secret.isEmpty() ? volume.path("configMap") : volume.path("secret");
        assertEquals(secret.isEmpty() ? truststore.path("configMap").asText() : secret,
                secret.isEmpty() ? source.path("name").asText() : source.path("secretName").asText(),
                who + ": the trust store's " + (secret.isEmpty() ? "ConfigMap" : "Secret"));
        String file = location.substring(mount.path("mountPath").asText().length() + 1);
        boolean found = false;
        for (JsonNode item : source.path("items")) {
            found |= item.path("path").asText().equals(file)
                    && item.path("key").asText().equals(truststore.path("key").asText());
        }
        assertTrue(found, who + ": " + file + " is not the key " + truststore.path("key").asText() + " of "
                + volume);
    }

    private static void checkCredentials(List<JsonNode> env, JsonNode credentials, String who) {
        assertFalse(credentials.path("name").asText().isEmpty(), who + ": no credentials in the values");
        assertSecretRef(byName(env, "CAIRN_KAFKA_SASL_USERNAME").orElseThrow(() -> new AssertionError(who
                + ": no username")), credentials.path("name").asText(), credentials.path("usernameKey").asText(),
                who + " username");
        assertSecretRef(byName(env, "CAIRN_KAFKA_SASL_PASSWORD").orElseThrow(() -> new AssertionError(who
                + ": no password")), credentials.path("name").asText(), credentials.path("passwordKey").asText(),
                who + " password");
    }

    private static void assertSecretRef(JsonNode env, String secret, String key, String what) {
        JsonNode ref = env.path("valueFrom").path("secretKeyRef");
        assertFalse(env.has("value"), what + " must not be a value");
        assertEquals(secret, ref.path("name").asText(), what + ": Secret");
        assertEquals(key, ref.path("key").asText(), what + ": key");
    }

    /** The Secret and key a container's SASL username comes from: its principal, as far as the chart can tell. */
    private static String principalOf(List<JsonNode> env) {
        JsonNode ref = byName(env, "CAIRN_KAFKA_SASL_USERNAME").orElseThrow().path("valueFrom").path("secretKeyRef");
        return ref.path("name").asText() + "/" + ref.path("key").asText();
    }

    static String loginModule(String mechanism) {
        return mechanism.startsWith("SCRAM-")
                ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                : "org.apache.kafka.common.security.plain.PlainLoginModule";
    }

    private static String value(List<JsonNode> env, String name, String who) {
        JsonNode e = byName(env, name).orElseThrow(() -> new AssertionError(who + ": " + name + " is not set"));
        assertTrue(e.has("value"), who + ": " + name + " must be a plain value");
        return e.path("value").asText();
    }

    private static Optional<JsonNode> byName(List<JsonNode> env, String name) {
        return env.stream().filter(e -> e.path("name").asText().equals(name)).findFirst();
    }

    private static int indexOf(List<JsonNode> env, String name) {
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i).path("name").asText().equals(name)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static Path overlay(String name, String yaml) throws IOException {
        Path file = RepoLayout.TARGET.resolve("kafka-overlays/" + name + "-values.yaml");
        Files.createDirectories(file.getParent());
        return Files.writeString(file, yaml);
    }
}
