package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * terraform/ parses, every module has main/variables/outputs/versions.tf and a README of its inputs and outputs,
 * every variable is typed and described, and the examples install this repository's chart with values it has.
 * (Parsed only: there is no terraform binary here, so no validate or plan.)
 */
class TerraformTest {

    static final Path BROKEN = Path.of("src/test/resources/broken-terraform").toAbsolutePath();

    @Test
    void terraformTreeFollowsTheRules() {
        List<String> problems = TerraformChecks.check(RepoLayout.TERRAFORM);
        assertTrue(problems.isEmpty(), () -> "terraform/:\n" + String.join("\n", problems));
    }

    @Test
    void awsAndGcpModulesAndExamplesExist() {
        for (String dir : List.of("modules/aws", "modules/gcp", "examples/aws", "examples/gcp")) {
            for (String file : TerraformChecks.MODULE_FILES) {
                assertTrue(Files.isRegularFile(RepoLayout.TERRAFORM.resolve(dir).resolve(file)), dir + "/" + file);
            }
        }
    }

    @Test
    void brokenTerraformIsReportedByFileAndName() {
        List<String> problems = TerraformChecks.check(BROKEN);
        String all = String.join("\n", problems);
        for (String expected : List.of(
                "modules/thing/variables.tf: variable \"untyped\" has no type",
                "modules/thing/variables.tf: variable \"undescribed\" has no description",
                "modules/thing/outputs.tf: output \"bare\" has no description",
                "modules/thing/: versions.tf is missing",
                "modules/thing/: README.md is missing",
                "unparsable/main.tf: does not parse")) {
            assertTrue(all.contains(expected), () -> "expected «" + expected + "» among:\n" + all);
        }
    }

    @Test
    void examplesInstallThisRepositorysChartWithValuesItDefines() {
        Map<String, JsonNode> files = TerraformChecks.parse(RepoLayout.TERRAFORM);
        var releases = TerraformChecks.helmReleases(files);
        assertEquals(Set.of("examples/aws/main.tf", "examples/gcp/main.tf"), releases.keySet());
        JsonNode values = HelmChart.read(RepoLayout.CHART.resolve("values.yaml"));
        releases.forEach((file, list) -> list.forEach(release -> {
            String chart = release.path("chart").asText().replace("${path.module}", "");
            Path resolved = RepoLayout.TERRAFORM.resolve(Path.of(file).getParent())
                    .resolve(chart.replaceFirst("^/", ""))
                    .normalize();
            assertEquals(RepoLayout.CHART, resolved, file + ": helm_release chart must be helm/cairn");
            Set<String> set = new TreeSet<>();
            release.path("set").forEach(s -> set.add(s.path("name").asText()));
            assertFalse(set.isEmpty(), file + ": no set blocks");
            for (String name : set) {
                JsonNode at = values;
                for (String part : name.replaceAll("\\[\\d+]", "").split("\\.")) {
                    at = at.isArray() ? at.path(0).path(part) : at.path(part);
                }
                assertFalse(at.isMissingNode(), file + ": sets " + name + ", which helm/cairn/values.yaml lacks");
            }
            for (String required : List.of("kafka.bootstrapServers", "redis.hosts", "postgresql.host", "oidc.issuer")) {
                assertTrue(set.contains(required), file + ": must set " + required);
            }
        }));
    }
}
