package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * native-build/ holds what a native build of the services needs; none can be built here (no GraalVM, no container
 * engine), so these checks keep its configuration true to the code.
 */
class NativeBuildTest {

    static final Path NATIVE = RepoLayout.ROOT.resolve("native-build");

    @Test
    void everyClassRegisteredForReflectionExistsInItsService() throws IOException {
        int checked = 0;
        try (Stream<Path> files = Files.walk(NATIVE.resolve("config"))) {
            for (Path config : files.filter(f -> f.getFileName().toString().equals("reflect-config.json")).toList()) {
                String service = config.getParent().getFileName().toString();
                for (JsonNode entry : new ObjectMapper().readTree(config.toFile())) {
                    String name = entry.path("name").asText();
                    String outer = name.contains("$") ? name.substring(0, name.indexOf('$')) : name;
                    Path source = RepoLayout.SERVICES.resolve(service).resolve("src/main/java")
                            .resolve(outer.replace('.', '/') + ".java");
                    assertTrue(Files.isRegularFile(source), config + ": " + name + " has no source " + source);
                    if (name.contains("$")) {
                        String nested = name.substring(name.lastIndexOf('$') + 1);
                        assertTrue(
                                Files.readString(source).matches("(?s).*\\b(class|record|enum)\\s+" + nested + "\\b.*"),
                                config + ": " + source + " declares no nested " + nested);
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 0, "no reflection entries checked");
    }

    @Test
    void resourceIncludesMatchFilesTheServicesPackage() throws IOException {
        try (Stream<Path> files = Files.walk(NATIVE.resolve("config"))) {
            for (Path config : files.filter(f -> f.getFileName().toString().equals("resources.properties")).toList()) {
                String service = config.getParent().getFileName().toString();
                Properties p = new Properties();
                try (var r = Files.newBufferedReader(config)) {
                    p.load(r);
                }
                for (String glob : p.getProperty("includes", "").split(",")) {
                    // cairn-contracts/ is contracts/ on the classpath (contracts/pom.xml's targetPath).
                    boolean contracts = glob.startsWith("cairn-contracts/");
                    Path base = contracts
                            ? RepoLayout.CONTRACTS
                            : RepoLayout.SERVICES.resolve(service).resolve("src/main/resources");
                    PathMatcher matcher = FileSystems.getDefault()
                            .getPathMatcher("glob:" + (contracts ? glob.substring("cairn-contracts/".length()) : glob));
                    try (Stream<Path> walk = Files.walk(base)) {
                        assertTrue(walk.filter(Files::isRegularFile).map(base::relativize).anyMatch(matcher::matches),
                                config + ": " + glob + " matches no file under " + base);
                    }
                }
            }
        }
    }

    @Test
    void buildScriptParsesAndRefusesWithoutAToolchain() throws Exception {
        Path script = NATIVE.resolve("build.sh");
        assertEquals(0, run("bash", "-n", script.toString()).exit, "build.sh has a syntax error");
        Result check = run("bash", script.toString(), "--check");
        boolean toolchain = check.exit == 0;
        if (!toolchain) {
            assertEquals(3, check.exit, check.output);
            assertTrue(check.output.contains("nothing can be built here"), check.output);
        }
        String dockerfile = Files.readString(NATIVE.resolve("Dockerfile.native-micro"));
        assertTrue(dockerfile.contains("USER 1001"), "the native image must not run as root");
        assertFalse(dockerfile.contains("USER root"));
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        return new Result(p.exitValue(), out);
    }
}
