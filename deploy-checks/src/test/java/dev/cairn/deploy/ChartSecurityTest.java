package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

/** No secret in clear; pods run as non-root on a read-only root filesystem with the scratch space they need. */
class ChartSecurityTest {

    static List<Path> ciCases() {
        return HelmChart.ciCases();
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void noSecretIsRenderedInClear(Path ciCase) {
        // The topic Job rendered as a plain Job, so that its pod is checked too.
        Manifests m = HelmChart.render(ciCase, HelmChart.PLAIN_TOPIC_JOB);
        assertTrue(m.ofKind("Secret").isEmpty(), "the chart references Secrets, it never renders one");
        for (JsonNode container : containers(m)) {
            for (JsonNode env : container.path("env")) {
                String name = env.path("name").asText();
                if (ServiceConfig.looksSecret(name) || name.endsWith("_KEY")) {
                    assertTrue(env.has("valueFrom") && env.path("valueFrom").has("secretKeyRef") && !env.has("value"),
                            () -> container.path("name").asText() + ": " + name + " must come from a secretKeyRef");
                }
            }
        }
        for (JsonNode cm : m.ofKind("ConfigMap")) {
            cm.path("data").fields().forEachRemaining(e -> {
                for (String line : e.getValue().asText().split("\n")) {
                    String key = line.contains("=") ? line.substring(0, line.indexOf('=')).trim() : "";
                    assertFalse(!line.startsWith("#") && ServiceConfig.looksSecret(key),
                            () -> cm.path("metadata").path("name").asText() + " holds secret-looking key " + key);
                }
            });
        }
        // The services' development defaults for secrets (dev-only keys, test keys) must never reach a manifest.
        Set<String> devSecrets = new TreeSet<>();
        RepoLayout.serviceNames().forEach(s -> devSecrets.addAll(ServiceConfig.of(s).secretDefaults));
        devSecrets.removeIf(s -> s.length() < 12);
        assertFalse(devSecrets.isEmpty(), "found no development secret defaults to look for; the scan is broken");
        for (String secret : devSecrets) {
            assertFalse(m.text.contains(secret), "a development secret default is in the manifests: " + secret);
        }
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void everyServiceAcceptsOnlyTokensIssuedForTheConfiguredAudience(Path ciCase) {
        // Without quarkus.oidc.token.audience a service accepts any token its issuer signed, for any API.
        String configured = HelmChart.read(ciCase).path("oidc").path("audience")
                .asText(HelmChart.read(RepoLayout.CHART.resolve("values.yaml")).path("oidc").path("audience").asText());
        assertFalse(configured.isBlank(), "oidc.audience has no value");
        Manifests m = HelmChart.render(ciCase);
        for (String name : RepoLayout.serviceNames()) {
            String property = ServiceConfig.of(name).properties.get("quarkus.oidc.token.audience");
            assertTrue(property != null && property.startsWith("${CAIRN_OIDC_AUDIENCE"),
                    () -> name + ": quarkus.oidc.token.audience must read CAIRN_OIDC_AUDIENCE, is " + property);
            assertEquals(configured, m.env(name).get("CAIRN_OIDC_AUDIENCE").path("value").asText(),
                    name + ": CAIRN_OIDC_AUDIENCE");
        }
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void ingestReadsTheSourcesEachCallerIsGrantedFromTheConfiguredClaim(Path ciCase) {
        // A claim name the issuer does not write leaves every gRPC writer granted no source (PERMISSION_DENIED).
        String configured = HelmChart.read(ciCase).path("oidc").path("sourcesClaim").asText(
                HelmChart.read(RepoLayout.CHART.resolve("values.yaml")).path("oidc").path("sourcesClaim").asText());
        assertFalse(configured.isBlank(), "oidc.sourcesClaim has no value");
        assertEquals(configured,
                HelmChart.render(ciCase).serviceConfig("ingest").getProperty("cairn.ingest.sources-claim"),
                "ingest: cairn.ingest.sources-claim");
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void secretsAreMountedWhereTheServicesLookForThem(Path ciCase) {
        Manifests m = HelmChart.render(ciCase);
        // ingest reads write-keys.properties and pii-hmac.key from ${CAIRN_SECRETS_DIR} (HttpIngestConfig, IngestConfig).
        String dir = m.env("ingest").get("CAIRN_SECRETS_DIR").path("value").asText();
        assertTrue(ChartWiringTest.mountPaths(m, "ingest").contains(dir), "CAIRN_SECRETS_DIR is not mounted");
        JsonNode volume = volume(m.deployment("ingest"), "secrets");
        Set<String> files = new TreeSet<>();
        volume.path("secret").path("items").forEach(i -> files.add(i.path("path").asText()));
        assertEquals(Set.of("write-keys.properties", "pii-hmac.key"), files);
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void podsRunAsNonRootOnAReadOnlyRootWithWritableScratch(Path ciCase) {
        Manifests m = HelmChart.render(ciCase, HelmChart.PLAIN_TOPIC_JOB);
        List<JsonNode> pods = new ArrayList<>();
        m.ofKind("Deployment").forEach(d -> pods.add(d.path("spec").path("template").path("spec")));
        m.ofKind("Job").forEach(j -> pods.add(j.path("spec").path("template").path("spec")));
        for (JsonNode pod : pods) {
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), "pod must run as non-root");
            assertFalse(pod.path("automountServiceAccountToken").asBoolean(true), "no API token is needed");
            for (JsonNode c : pod.path("containers")) {
                JsonNode sc = c.path("securityContext");
                String name = c.path("name").asText();
                assertTrue(sc.path("readOnlyRootFilesystem").asBoolean(), name + ": root filesystem must be read-only");
                assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), name + ": no privilege escalation");
                assertEquals("ALL", sc.path("capabilities").path("drop").path(0).asText(),
                        name + ": drop all capabilities");
                boolean tmp = false;
                for (JsonNode mount : c.path("volumeMounts")) {
                    if (mount.path("mountPath").asText().equals("/tmp")) {
                        tmp = volume(pod, mount.path("name").asText()).has("emptyDir");
                    }
                }
                assertTrue(tmp, name + ": /tmp must be a writable emptyDir");
            }
        }
        // Kafka Streams' state (segments): a writable volume at the configured state dir.
        String stateDir = m.serviceConfig("segments").getProperty("kafka-streams.state.dir");
        for (JsonNode mount : m.container("segments").path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals(stateDir)) {
                assertTrue(volume(m.deployment("segments"), mount.path("name").asText()).has("emptyDir"));
                assertFalse(mount.path("readOnly").asBoolean(false));
                return;
            }
        }
        throw new AssertionError("segments: no volume at kafka-streams.state.dir " + stateDir);
    }

    static List<JsonNode> containers(Manifests m) {
        List<JsonNode> all = new ArrayList<>();
        for (String kind : List.of("Deployment", "Job")) {
            m.ofKind(kind)
                    .forEach(d -> d.path("spec").path("template").path("spec").path("containers").forEach(all::add));
        }
        return all;
    }

    static JsonNode volume(JsonNode deploymentOrPod, String name) {
        JsonNode spec = deploymentOrPod.has("volumes")
                ? deploymentOrPod
                : deploymentOrPod.path("spec").path("template").path("spec");
        for (JsonNode v : spec.path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }
}
