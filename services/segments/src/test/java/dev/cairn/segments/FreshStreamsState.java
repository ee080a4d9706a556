package dev.cairn.segments;

import java.nio.file.Files;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A new Streams state directory for every test JVM: the test broker is new too, and local state left by an
 * earlier run would not match its (empty) changelogs.
 */
public class FreshStreamsState implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        try {
            return Map.of("kafka-streams.state.dir",
                    Files.createTempDirectory(java.nio.file.Path.of("target"), "streams-state-").toAbsolutePath()
                            .toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
    }
}
