package dev.cairn.bench.consent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * What the end-to-end consent check needs of contracts/: each purpose's default per jurisdiction
 * (contracts/consent/policy.yaml) and which purposes each destination serves, on which topic
 * (contracts/ingest/destinations.yaml). Read from the files the services load, so the oracle follows a contract
 * change instead of repeating it; the services validate the files, this only reads them.
 */
public record ConsentContracts(String defaultJurisdiction, Map<String, Map<String, Default>> rules,
        List<Destination> destinations) {

    /** What applies to a purpose in a jurisdiction when the subject recorded nothing. */
    public enum Default {
        /** Deny until granted. */
        OPT_IN,
        /** Allow until withdrawn. */
        OPT_OUT,
        /** Never allowed there, whatever was recorded (fail closed). */
        DENY
    }

    /** A destination ingest fans out to: its topic and the purposes an event's subject must all allow. */
    public record Destination(String name, String topic, List<String> purposes) {
    }

    public static ConsentContracts load(Path root) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode policy = yaml.readTree(root.resolve("contracts/consent/policy.yaml").toFile());
        Map<String, Map<String, Default>> rules = new LinkedHashMap<>();
        policy.path("jurisdictions").fields().forEachRemaining(j -> j.getValue().path("rules").fields()
                .forEachRemaining(rule -> rules.computeIfAbsent(rule.getKey(), k -> new LinkedHashMap<>())
                        .put(j.getKey(), Default.valueOf(rule.getValue().path("default").asText().toUpperCase()))));
        JsonNode dest = yaml.readTree(root.resolve("contracts/ingest/destinations.yaml").toFile());
        List<Destination> destinations = new ArrayList<>();
        for (JsonNode d : dest.path("destinations")) {
            List<String> purposes = new ArrayList<>();
            d.path("purposes").forEach(p -> purposes.add(p.asText()));
            destinations.add(new Destination(d.path("name").asText(), d.path("topic").asText(), List.copyOf(purposes)));
        }
        return new ConsentContracts(policy.path("default_jurisdiction").asText(), rules, List.copyOf(destinations));
    }

    /** The rule of a purpose in a jurisdiction; empty when the policy has none (which fails closed). */
    public Optional<Default> rule(String purpose, String jurisdiction) {
        return Optional.ofNullable(rules.getOrDefault(purpose, Map.of()).get(jurisdiction));
    }

    /** Every jurisdiction some rule names, in the policy's order. */
    public List<String> jurisdictions() {
        Set<String> out = new LinkedHashSet<>();
        rules.values().forEach(byJurisdiction -> out.addAll(byJurisdiction.keySet()));
        return List.copyOf(out);
    }

    /** Every purpose at least one destination serves, in the destinations' order. */
    public List<String> servedPurposes() {
        Set<String> out = new LinkedHashSet<>();
        destinations.forEach(d -> out.addAll(d.purposes()));
        return List.copyOf(out);
    }
}
