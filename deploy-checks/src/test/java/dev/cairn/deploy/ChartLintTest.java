package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.marcnuri.helm.LintResult;

/** Every ci/ case lints (strict) and renders to valid Kubernetes objects; the broken cases are refused. */
class ChartLintTest {

    static final Path DEFAULT_CASE = RepoLayout.CHART.resolve("ci/default-values.yaml");

    static List<Path> ciCases() {
        return HelmChart.ciCases();
    }

    static List<Path> brokenCases() {
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/broken-values"))) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void thereAreSeveralCiCases() {
        assertTrue(ciCases().size() >= 3, "ci/ should hold the default, production and minimal cases: " + ciCases());
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void ciCaseLintsStrictly(Path ciCase) {
        LintResult lint = HelmChart.lint(ciCase);
        assertFalse(lint.isFailed(), () -> ciCase.getFileName() + ": helm lint --strict failed:\n"
                + String.join("\n", lint.getMessages()));
    }

    @ParameterizedTest
    @MethodSource("ciCases")
    void ciCaseRendersOnlyValidKubernetesObjects(Path ciCase) {
        Manifests m = HelmChart.render(ciCase);
        assertFalse(m.docs.isEmpty(), "nothing rendered");
        List<String> problems = m.typedProblems();
        assertTrue(problems.isEmpty(), () -> ciCase.getFileName() + ":\n" + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("brokenCases")
    void brokenValuesAreRefusedByTemplateAndLint(Path broken) throws IOException {
        RuntimeException refused = assertThrows(RuntimeException.class, () -> HelmChart.render(DEFAULT_CASE, broken),
                () -> broken.getFileName() + " rendered, but it must be refused");
        assertFalse(refused.getMessage() == null || refused.getMessage().isBlank());
        // A case may say what the refusal must name ("# refused: <text>"), so that it fails for its own reason and
        // not for another mistake in the file.
        for (String line : Files.readAllLines(broken)) {
            if (line.startsWith("# refused: ")) {
                String expected = line.substring("# refused: ".length()).strip();
                assertTrue(refused.getMessage().contains(expected), () -> broken.getFileName()
                        + " was refused, but not for «" + expected + "»:\n" + refused.getMessage());
            }
        }
        // In lint mode Helm's fail() only logs "[INFO] Fail: ..." and renders on, so a rule that no schema can state
        // (two services sharing one Kafka principal) is refused by template and install only; such a case says so.
        if (Files.readAllLines(broken).contains("# refused by: template and install (helm lint cannot see fail())")) {
            return;
        }
        LintResult lint = HelmChart.lint(DEFAULT_CASE, broken);
        assertTrue(lint.isFailed(), () -> broken.getFileName() + " passed helm lint, but it must fail");
    }

    @Test
    void theChartsOwnDefaultsNeedTheExternalEndpoints() {
        // values.yaml alone leaves Kafka, Redis, PostgreSQL and the issuer empty: rendering must say what is missing
        // rather than deploy services pointing nowhere.
        RuntimeException e = assertThrows(RuntimeException.class, () -> HelmChart.render());
        for (String missing : List.of("bootstrapServers", "hosts", "host", "issuer")) {
            assertTrue(e.getMessage().contains(missing), e.getMessage());
        }
    }
}
