package dev.cairn.ingest.http;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.runtime.Startup;

import dev.cairn.platform.CairnConfig;
import dev.cairn.platform.contracts.ContractSource;

/**
 * Write keys of the Segment HTTP API and the sources they write to. Loaded once at start (never on an
 * event-loop thread); rotating keys means restarting the service, as with every other secret.
 */
@ApplicationScoped
@Startup
public class WriteKeys {

    static final String SOURCES_CONTRACT = "ingest/sources.yaml";
    private static final Logger LOG = Logger.getLogger(WriteKeys.class);

    private final Map<String, String> sourceByKey;

    @Inject
    public WriteKeys(HttpIngestConfig http, CairnConfig cairn) {
        this(load(Path.of(http.writeKeysFile()), knownSources(ContractSource.of(cairn.contractsDir()))));
    }

    WriteKeys(Map<String, String> sourceByKey) {
        this.sourceByKey = Map.copyOf(sourceByKey);
    }

    /** The source a write key writes to; empty for an unknown key. */
    public Optional<String> sourceOf(String writeKey) {
        if (writeKey == null || writeKey.isEmpty()) {
            return Optional.empty();
        }
        // Looked up by value, compared in constant time, so response timing does not leak key prefixes.
        byte[] given = writeKey.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Map.Entry<String, String> entry : sourceByKey.entrySet()) {
            if (MessageDigest.isEqual(given, entry.getKey().getBytes(StandardCharsets.UTF_8))) {
                found = entry.getValue();
            }
        }
        return Optional.ofNullable(found);
    }

    static Set<String> knownSources(ContractSource contracts) {
        Set<String> ids = new HashSet<>();
        for (JsonNode source : contracts.read(SOURCES_CONTRACT).path("sources")) {
            ids.add(source.path("id").asText());
        }
        return ids;
    }

    /** Reads {@code <write key>=<source id>} lines; keys of sources not in contracts/ are left out, loudly. */
    static Map<String, String> load(Path file, Set<String> knownSources) {
        Map<String, String> keys = new HashMap<>();
        if (!Files.isReadable(file)) {
            LOG.warnf("no write-keys file at %s: every Segment HTTP API request will be answered 401", file);
            return keys;
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the write-keys file " + file, e);
        }
        for (String key : properties.stringPropertyNames()) {
            String source = properties.getProperty(key).trim();
            if (knownSources.contains(source)) {
                keys.put(key.trim(), source);
            } else {
                LOG.warnf("write-keys file %s: a key maps to source '%s', which contracts/%s does not list;"
                        + " the key is ignored", file, source, SOURCES_CONTRACT);
            }
        }
        LOG.infof("%d write keys loaded from %s", keys.size(), file);
        return keys;
    }
}
