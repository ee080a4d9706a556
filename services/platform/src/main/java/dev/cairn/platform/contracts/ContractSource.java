package dev.cairn.platform.contracts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Where the contracts are read from: a directory (Kubernetes mounts the reviewed contracts/ tree from a
 * ConfigMap) or, by default, the copy packaged with the service under {@code cairn-contracts/}.
 */
public final class ContractSource {

    private static final String CLASSPATH_ROOT = "cairn-contracts/";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Optional<Path> directory;

    private ContractSource(Optional<Path> directory) {
        this.directory = directory;
    }

    public static ContractSource packaged() {
        return new ContractSource(Optional.empty());
    }

    public static ContractSource directory(Path dir) {
        return new ContractSource(Optional.of(dir));
    }

    public static ContractSource of(Optional<String> dir) {
        return dir.filter(d -> !d.isBlank()).map(d -> directory(Path.of(d))).orElseGet(ContractSource::packaged);
    }

    /** Reads a YAML or JSON contract file, relative to the contracts root. */
    public JsonNode read(String relativePath) {
        try (InputStream in = open(relativePath)) {
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read contract " + describe(relativePath), e);
        }
    }

    public boolean exists(String relativePath) {
        if (directory.isPresent()) {
            return Files.isRegularFile(directory.get().resolve(relativePath));
        }
        return classLoader().getResource(CLASSPATH_ROOT + relativePath) != null;
    }

    public String describe(String relativePath) {
        return directory.map(d -> d.resolve(relativePath).toString())
                .orElse("classpath:" + CLASSPATH_ROOT + relativePath);
    }

    private InputStream open(String relativePath) throws IOException {
        if (directory.isPresent()) {
            return Files.newInputStream(directory.get().resolve(relativePath));
        }
        InputStream in = classLoader().getResourceAsStream(CLASSPATH_ROOT + relativePath);
        if (in == null) {
            throw new IOException("not packaged: " + describe(relativePath));
        }
        return in;
    }

    private static ClassLoader classLoader() {
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        return tccl != null ? tccl : ContractSource.class.getClassLoader();
    }
}
