package dev.cairn.ingest.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** A write-keys file, as the local stack generates it, for every test of the module. */
public class WriteKeysTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String WEB_KEY = "test-web-write-key";
    public static final String BACKEND_KEY = "test-backend-write-key";
    /** Maps to a source contracts/ does not list: must be refused like an unknown key. */
    public static final String ORPHAN_KEY = "test-orphan-write-key";

    private Path file;

    @Override
    public Map<String, String> start() {
        try {
            file = Files.createTempFile("write-keys", ".properties");
            Files.writeString(file, "# test write keys\n" + WEB_KEY + "=web\n" + BACKEND_KEY + "=backend\n"
                    + ORPHAN_KEY + "=no-such-source\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("cairn.ingest.http.write-keys-file", file.toString());
    }

    @Override
    public void stop() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
