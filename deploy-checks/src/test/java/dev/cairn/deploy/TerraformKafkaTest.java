package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The Terraform modules give Kafka TLS and SASL with a principal per service, and hand the chart the settings that
 * match (parsed with hcl2json as {@link TerraformTest} does; no terraform binary, so no plan).
 */
class TerraformKafkaTest {

    private static Map<String, JsonNode> files;

    @BeforeAll
    static void parse() {
        files = TerraformChecks.parse(RepoLayout.TERRAFORM);
    }

    /** The chart's principals: one per deployed service, and the topic Job's. */
    static Set<String> chartPrincipals() {
        Set<String> principals = new TreeSet<>(RepoLayout.serviceNames());
        principals.add("topics");
        return principals;
    }

    @Test
    void mskTakesTlsAndSaslScramOnly() {
        JsonNode msk = resource("modules/aws/main.tf", "aws_msk_cluster", "cairn");
        JsonNode transit = msk.path("encryption_info").path(0).path("encryption_in_transit").path(0);
        assertEquals("TLS", transit.path("client_broker").asText(), "MSK must refuse plaintext clients");
        assertTrue(transit.path("in_cluster").asBoolean(), "TLS between brokers");
        JsonNode auth = msk.path("client_authentication").path(0);
        assertTrue(auth.path("sasl").path(0).path("scram").asBoolean(), "SASL/SCRAM must be on");
        assertFalse(auth.path("unauthenticated").asBoolean(true), "unauthenticated access must be off, explicitly");
        assertFalse(auth.path("sasl").path(0).path("iam").asBoolean(false),
                "IAM needs aws-msk-iam-auth, which the images lack");

        // One SCRAM secret per principal, named as MSK requires, under a customer-managed key, associated.
        assertEquals(chartPrincipals(), new TreeSet<>(strings(local("modules/aws/main.tf", "kafka_principals"))));
        JsonNode secret = resource("modules/aws/main.tf", "aws_secretsmanager_secret", "kafka");
        assertEquals("${toset(local.kafka_principals)}", secret.path("for_each").asText());
        assertTrue(secret.path("name").asText().startsWith("AmazonMSK_"), "MSK reads only AmazonMSK_* secrets");
        assertTrue(secret.path("kms_key_id").asText().startsWith("${aws_kms_key."),
                "SCRAM secrets need a customer-managed KMS key, not aws/secretsmanager");
        String key = secret.path("kms_key_id").asText().replaceAll("^\\$\\{aws_kms_key\\.([^.]+)\\..*", "$1");
        resource("modules/aws/main.tf", "aws_kms_key", key);
        JsonNode version = resource("modules/aws/main.tf", "aws_secretsmanager_secret_version", "kafka");
        assertTrue(version.path("secret_string").asText().contains("username")
                && version.path("secret_string").asText().contains("password"), "MSK's {username, password} JSON");
        JsonNode association = resource("modules/aws/main.tf", "aws_msk_scram_secret_association", "cairn");
        assertEquals("${aws_msk_cluster.cairn.arn}", association.path("cluster_arn").asText());
        assertTrue(association.path("secret_arn_list").asText().contains("aws_secretsmanager_secret.kafka"));
        JsonNode policy = files.get("modules/aws/main.tf").path("data").path("aws_iam_policy_document")
                .path("kafka_scram").path(0).path("statement").path(0);
        assertEquals("kafka.amazonaws.com", policy.path("principals").path(0).path("identifiers").path(0).asText(),
                "MSK must be allowed to read the secrets");

        assertTrue(output("modules/aws/outputs.tf", "kafka_bootstrap_servers").path("value").asText()
                .contains("bootstrap_brokers_sasl_scram"), "the chart must get the SASL/SCRAM (9096) brokers");
    }

    @Test
    void gcpGivesEachPrincipalAServiceAccountKeyAndTheClientRole() {
        assertEquals(chartPrincipals(), new TreeSet<>(strings(local("modules/gcp/main.tf", "kafka_principals"))));
        for (String type : List.of("google_service_account", "google_service_account_key")) {
            assertEquals("${toset(local.kafka_principals)}",
                    resource("modules/gcp/main.tf", type, "kafka").path("for_each").asText(), type);
        }
        JsonNode role = resource("modules/gcp/main.tf", "google_project_iam_member", "kafka_client");
        assertEquals("roles/managedkafka.client", role.path("role").asText());
        assertEquals("${toset(local.kafka_principals)}", role.path("for_each").asText());
        String credentials = output("modules/gcp/outputs.tf", "kafka_credentials").path("value").asText();
        assertTrue(credentials.contains("google_service_account.kafka[p].email"), "username: the account's email");
        assertTrue(credentials.contains("google_service_account_key.kafka[p].private_key"),
                "password: the base64 key file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"aws", "gcp"})
    void eachModulesKafkaSettingsRenderInTheChartWithAPrincipalPerService(String cloud) throws IOException {
        String outputs = "modules/" + cloud + "/outputs.tf";
        JsonNode out = output(outputs, "kafka_security_values");
        assertTrue(output(outputs, "kafka_credentials").path("sensitive").asBoolean(),
                cloud + ": kafka_credentials must be sensitive");
        assertTrue(output(outputs, "kafka_credentials").path("value").asText().contains("local.kafka_principals"));
        JsonNode security = resolve(out.path("value").deepCopy(), variableDefaults("modules/" + cloud));
        assertEquals("SASL_SSL", security.path("protocol").asText(), cloud + ": Kafka must be SASL_SSL");
        assertEquals(chartPrincipals(), fieldNames(security.path("sasl").path("credentials")),
                cloud + ": a principal for each service and the topic Job");

        ObjectNode overlay = HelmChart.YAML.createObjectNode();
        overlay.putObject("kafka").set("security", security);
        Path file = RepoLayout.TARGET.resolve("terraform-overlays/" + cloud + "-kafka-values.yaml");
        Files.createDirectories(file.getParent());
        HelmChart.YAML.writeValue(file.toFile(), overlay);
        Manifests m = HelmChart.render(ChartLintTest.DEFAULT_CASE, file);
        JsonNode merged = ChartKafkaSecurityTest.security(ChartLintTest.DEFAULT_CASE, file);
        for (String service : RepoLayout.serviceNames()) {
            List<JsonNode> env = new ArrayList<>();
            m.container(service).path("env").forEach(env::add);
            ChartKafkaSecurityTest.checkClient(env, "KAFKA_", merged, service);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"aws", "gcp"})
    void examplesCreateTheKafkaSecretsAndPassTheSettingsToTheRelease(String cloud) {
        String main = "examples/" + cloud + "/main.tf";
        JsonNode secret = resource(main, "kubernetes_secret", "kafka");
        assertEquals("${module.cairn.kafka_security_values.sasl.credentials}", secret.path("for_each").asText(),
                main + ": one Secret per principal the chart is given");
        assertEquals("${each.value.name}", secret.path("metadata").path(0).path("name").asText());
        String data = secret.path("data").toString();
        assertTrue(data.contains("module.cairn.kafka_credentials[each.key].username")
                && data.contains("module.cairn.kafka_credentials[each.key].password"), main + ": Secret data " + data);
        assertTrue(data.contains("each.value.usernameKey") && data.contains("each.value.passwordKey"),
                main + ": the Secret's keys must be the ones the chart reads");

        JsonNode release = resource(main, "helm_release", "cairn");
        assertTrue(release.path("values").toString().contains("security = module.cairn.kafka_security_values"),
                main + ": the release must get the module's kafka.security");
        assertTrue(release.path("depends_on").toString().contains("kubernetes_secret.kafka"),
                main + ": the release must wait for the Kafka Secrets");
        boolean bootstrap = false;
        for (JsonNode set : release.path("set")) {
            bootstrap |= set.path("name").asText().equals("kafka.bootstrapServers")
                    && set.path("value").asText().equals("${module.cairn.kafka_bootstrap_servers}");
        }
        assertTrue(bootstrap, main + ": kafka.bootstrapServers must be the module's");
        if (cloud.equals("aws")) {
            // MSK's SCRAM principals are Kafka principals: the topic Job gives each its ACLs.
            boolean acls = false;
            for (JsonNode set : release.path("set")) {
                acls |= set.path("name").asText().equals("kafka.acls.create")
                        && set.path("value").asText().equals("true");
            }
            assertTrue(acls, main + ": kafka.acls.create must be on for MSK");
        }
    }

    private static JsonNode resource(String file, String type, String name) {
        JsonNode r = files.get(file).path("resource").path(type).path(name).path(0);
        assertFalse(r.isMissingNode(), file + ": no resource " + type + "." + name);
        return r;
    }

    private static JsonNode output(String file, String name) {
        JsonNode o = files.get(file).path("output").path(name).path(0);
        assertFalse(o.isMissingNode(), file + ": no output " + name);
        return o;
    }

    private static JsonNode local(String file, String name) {
        for (JsonNode locals : files.get(file).path("locals")) {
            if (locals.has(name)) {
                return locals.get(name);
            }
        }
        throw new AssertionError(file + ": no local " + name);
    }

    private static List<String> strings(JsonNode array) {
        List<String> all = new ArrayList<>();
        array.forEach(s -> all.add(s.asText()));
        return all;
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Defaults of a directory's variables (only string defaults are needed here). */
    private static Map<String, String> variableDefaults(String dir) {
        Map<String, String> defaults = new java.util.HashMap<>();
        TerraformChecks.blocks(files.get(dir + "/variables.tf").path("variable"), (name, v) -> {
            if (v.path("default").isTextual()) {
                defaults.put(name, v.path("default").asText());
            }
        });
        return defaults;
    }

    /**
     * Replaces {@code ${var.x}} in every string by x's default. Anything else in ${...} fails: the settings must be
     * literal, so that what the chart gets is what this test renders.
     */
    private static JsonNode resolve(JsonNode node, Map<String, String> variables) {
        if (node.isTextual()) {
            Matcher m = Pattern.compile("\\$\\{var\\.(\\w+)}").matcher(node.asText());
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                assertTrue(variables.containsKey(m.group(1)), "no default for var." + m.group(1));
                m.appendReplacement(out, Matcher.quoteReplacement(variables.get(m.group(1))));
            }
            m.appendTail(out);
            assertFalse(out.toString().contains("${"), "not a literal setting: " + node.asText());
            return TextNode.valueOf(out.toString());
        }
        if (node instanceof ObjectNode object) {
            for (Iterator<String> it = object.fieldNames(); it.hasNext();) {
                String field = it.next();
                object.set(field, resolve(object.get(field), variables));
            }
        }
        return node;
    }
}
