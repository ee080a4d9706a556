package dev.cairn.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Static checks of a terraform/ tree. There is no terraform binary on the build machines, so nothing here runs
 * {@code terraform validate} or {@code plan}: files are parsed with @cdktf/hcl2json (installed from npm into
 * target/) and the house rules checked on the parsed form. Each problem names the file and the block.
 */
final class TerraformChecks {

    static final List<String> MODULE_FILES = List.of("main.tf", "variables.tf", "outputs.tf", "versions.tf",
            "README.md");
    private static final ObjectMapper JSON = new ObjectMapper();

    private TerraformChecks() {
    }

    /** Every .tf file under root, parsed: relative path to its JSON form, or to {"__error": ...}. */
    static Map<String, JsonNode> parse(Path root) {
        Path modules = installParser();
        Path script = Path.of("src/test/node/hcl2json.js").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(), root.toAbsolutePath().toString());
        pb.environment().put("NODE_PATH", modules.toString());
        String out = run(pb, "node (parsing " + root + ")");
        Map<String, JsonNode> files = new TreeMap<>();
        try {
            JSON.readTree(out).fields().forEachRemaining(e -> files.put(e.getKey(), e.getValue()));
        } catch (IOException e) {
            throw new UncheckedIOException("hcl2json printed no JSON: " + out, e);
        }
        return files;
    }

    /** Problems in a terraform/ tree (empty when every rule holds). */
    static List<String> check(Path root) {
        Map<String, JsonNode> files = parse(root);
        List<String> problems = new ArrayList<>();
        Set<String> dirs = new TreeSet<>();
        for (var e : files.entrySet()) {
            String file = e.getKey();
            Path parent = Path.of(file).getParent();
            dirs.add(parent == null ? "" : parent.toString());
            JsonNode doc = e.getValue();
            if (doc.has("__error")) {
                problems.add(file + ": does not parse: " + doc.path("__error").asText());
                continue;
            }
            blocks(doc.path("variable"), (name, v) -> {
                if (!file.endsWith("variables.tf")) {
                    problems.add(file + ": variable \"" + name + "\" belongs in variables.tf");
                }
                if (v.path("type").asText().isBlank()) {
                    problems.add(file + ": variable \"" + name + "\" has no type");
                }
                if (v.path("description").asText().isBlank()) {
                    problems.add(file + ": variable \"" + name + "\" has no description");
                }
            });
            blocks(doc.path("output"), (name, o) -> {
                if (!file.endsWith("outputs.tf")) {
                    problems.add(file + ": output \"" + name + "\" belongs in outputs.tf");
                }
                if (o.path("description").asText().isBlank()) {
                    problems.add(file + ": output \"" + name + "\" has no description");
                }
            });
            if (file.endsWith("versions.tf")) {
                JsonNode tf = doc.path("terraform").path(0);
                if (tf.path("required_version").asText().isBlank() || tf.path("required_providers").isMissingNode()) {
                    problems.add(file + ": terraform { required_version, required_providers } expected");
                }
            }
            blocks(doc.path("module"), (name, m) -> {
                String source = m.path("source").asText();
                if (source.startsWith(".") && !Files.isDirectory(root.resolve(parent == null ? "" : parent.toString())
                        .resolve(source).normalize())) {
                    problems.add(file + ": module \"" + name + "\" source " + source + " does not exist");
                }
            });
        }
        for (String dir : dirs) {
            Path d = root.resolve(dir);
            for (String required : MODULE_FILES) {
                if (!Files.isRegularFile(d.resolve(required))) {
                    problems.add(dir + "/: " + required + " is missing");
                }
            }
            if (Files.isRegularFile(d.resolve("README.md"))) {
                String readme = read(d.resolve("README.md"));
                for (var e : files.entrySet()) {
                    Path fileDir = Path.of(e.getKey()).getParent();
                    if (!(fileDir == null ? "" : fileDir.toString()).equals(dir)) {
                        continue;
                    }
                    for (String kind : List.of("variable", "output")) {
                        e.getValue().path(kind).fieldNames().forEachRemaining(name -> {
                            if (!readme.contains("`" + name + "`")) {
                                problems.add(dir + "/README.md: " + kind + " `" + name + "` is not documented");
                            }
                        });
                    }
                }
            }
        }
        return problems;
    }

    /** helm_release resources of a parsed tree: file to the release blocks. */
    static Map<String, List<JsonNode>> helmReleases(Map<String, JsonNode> files) {
        Map<String, List<JsonNode>> releases = new TreeMap<>();
        files.forEach((file, doc) -> blocks(doc.path("resource").path("helm_release"),
                (name, r) -> releases.computeIfAbsent(file, f -> new ArrayList<>()).add(r)));
        return releases;
    }

    /** hcl2json gives each block as name -> [body]; call back once per body. */
    static void blocks(JsonNode byName, java.util.function.BiConsumer<String, JsonNode> each) {
        for (Iterator<Map.Entry<String, JsonNode>> it = byName.fields(); it.hasNext();) {
            var e = it.next();
            for (JsonNode body : e.getValue()) {
                each.accept(e.getKey(), body);
            }
        }
    }

    /** Installs @cdktf/hcl2json into target/hcl2json once (npm registry), so a clean clone needs only node and npm. */
    private static synchronized Path installParser() {
        Path prefix = RepoLayout.TARGET.resolve("hcl2json");
        Path modules = prefix.resolve("node_modules");
        if (Files.isRegularFile(modules.resolve("@cdktf/hcl2json/package.json"))) {
            return modules;
        }
        String version = System.getProperty("hcl2json.version", "0.21.0");
        try {
            Files.createDirectories(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(new ProcessBuilder("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", prefix.toString(),
                "@cdktf/hcl2json@" + version), "npm install @cdktf/hcl2json@" + version);
        return modules;
    }

    private static String run(ProcessBuilder pb, String what) {
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(what + " failed (exit " + p.exitValue() + "): "
                        + new String(out, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(what + ": cannot run " + pb.command().get(0)
                    + " (node and npm are needed; ./cairn test installs them)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> dirsWithTf(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(".tf")).map(Path::getParent).distinct().sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
