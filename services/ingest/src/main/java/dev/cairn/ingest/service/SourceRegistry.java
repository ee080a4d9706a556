package dev.cairn.ingest.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.ContractViolationException;

/** The sources of contracts/ingest/sources.yaml, validated at start. */
public final class SourceRegistry {

    public static final String FILE = "ingest/sources.yaml";

    private final Map<String, Source> sources;

    private SourceRegistry(Map<String, Source> sources) {
        this.sources = Map.copyOf(sources);
    }

    public static SourceRegistry load(ContractSource contracts) {
        return parse(contracts.read(FILE), contracts.describe(FILE));
    }

    static SourceRegistry parse(JsonNode root, String where) {
        List<String> problems = new ArrayList<>();
        Map<String, Source> sources = new LinkedHashMap<>();
        JsonNode list = root.path("sources");
        if (root.path("version").asInt() != 1) {
            problems.add("version: must be 1");
        }
        if (!list.isArray() || list.isEmpty()) {
            problems.add("sources: must be a non-empty list");
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode s = list.get(i);
            String at = "sources[" + i + "]";
            String id = s.path("id").asText("");
            if (!id.matches("[a-z][a-z0-9_-]{0,62}")) {
                problems.add(at + ".id: '" + id + "' must be lower-case letters, digits, '-' or '_'");
            }
            String onViolation = s.path("on_violation").asText("");
            if (!onViolation.equals("block") && !onViolation.equals("allow")) {
                problems.add(at + ".on_violation: must be block or allow, not '" + onViolation + "'");
            }
            int rate = s.path("rate_limit_per_second").asInt(0);
            if (rate < 0) {
                problems.add(at + ".rate_limit_per_second: must be 0 (unlimited) or more");
            }
            if (sources.put(id, new Source(id, s.path("description").asText(""), onViolation.equals("block"), rate,
                    s.path("default_jurisdiction").asText(""))) != null) {
                problems.add(at + ".id: duplicate source " + id);
            }
        }
        if (!problems.isEmpty()) {
            throw new ContractViolationException(where, problems);
        }
        return new SourceRegistry(sources);
    }

    public Optional<Source> find(String id) {
        return Optional.ofNullable(sources.get(id));
    }

    public java.util.Collection<Source> all() {
        return sources.values();
    }
}
