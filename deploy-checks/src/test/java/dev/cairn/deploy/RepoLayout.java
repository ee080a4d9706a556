package dev.cairn.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where things are in the checkout: the chart, the services' configuration, contracts/ and terraform/. */
final class RepoLayout {

    static final Path ROOT = findRoot();
    static final Path CHART = ROOT.resolve("helm/cairn");
    static final Path SERVICES = ROOT.resolve("services");
    static final Path PLATFORM = SERVICES.resolve("platform");
    static final Path CONTRACTS = ROOT.resolve("contracts");
    static final Path TERRAFORM = ROOT.resolve("terraform");
    /** This module's build directory (surefire runs in the module directory). */
    static final Path TARGET = Path.of("target").toAbsolutePath();

    private RepoLayout() {
    }

    /**
     * The deployable services: every directory under services/ with its own application.properties (platform and
     * test-support are libraries). Read from the tree, so a new service the chart does not deploy fails the checks.
     */
    static List<String> serviceNames() {
        try (Stream<Path> dirs = Files.list(SERVICES)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("src/main/resources/application.properties")))
                    .map(d -> d.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path findRoot() {
        String configured = System.getProperty("test.cairn.root");
        Path start = configured != null && !configured.isBlank() ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("helm/cairn")) && Files.isRegularFile(p.resolve("contracts/topics.yaml"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (helm/cairn, contracts/) from " + start);
    }
}
