package dev.cairn.platform.contracts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The topic catalogue from contracts/topics.yaml: the one list of topic names, partitions, retention and
 * compaction that services, tests, {@code ./cairn up} and the Helm chart all read.
 */
public final class TopicCatalog {

    public static final String FILE = "topics.yaml";

    private static final Pattern NAME = Pattern.compile("cairn\\.[a-z][a-z_-]*(\\.[a-z][a-z_-]*)*\\.v[0-9]+");
    private static final Pattern DURATION = Pattern.compile("([0-9]+)([smhd])");
    private static final Set<String> CLEANUP = Set.of("delete", "compact", "compact,delete");
    /** The services that own or read topics: each is one Kafka principal. */
    public static final List<String> SERVICES = List.of("ingest", "identity", "consent", "segments");

    private final Map<String, TopicSpec> topics;

    private TopicCatalog(Map<String, TopicSpec> topics) {
        this.topics = topics;
    }

    public static TopicCatalog load(ContractSource source) {
        return parse(source.read(FILE), source.describe(FILE));
    }

    static TopicCatalog parse(JsonNode root, String file) {
        List<String> problems = new ArrayList<>();
        if (root == null || root.path("version").asInt(0) != 1) {
            problems.add("version: must be 1");
        }
        JsonNode list = root == null ? null : root.get("topics");
        if (list == null || !list.isArray() || list.isEmpty()) {
            problems.add("topics: must be a non-empty list");
            throw new ContractViolationException(file, problems);
        }
        Map<String, TopicSpec> topics = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            String at = "topics[" + i + "]";
            String name = t.path("name").asText("");
            if (!NAME.matcher(name).matches()) {
                problems.add(at + ".name: '" + name + "' must look like cairn.<area>.<what>.v<N>");
            }
            if (!seen.add(name)) {
                problems.add(at + ".name: duplicate topic " + name);
            }
            int partitions = t.path("partitions").asInt(0);
            if (partitions < 1 || partitions > 1024) {
                problems.add(at + ".partitions: must be between 1 and 1024");
            }
            String cleanup = t.path("cleanup").asText("delete");
            if (!CLEANUP.contains(cleanup)) {
                problems.add(at + ".cleanup: '" + cleanup + "' must be one of " + CLEANUP);
            }
            Optional<Duration> retention = Optional.empty();
            String retentionText = t.path("retention").asText("");
            if (!"forever".equals(retentionText)) {
                Matcher m = DURATION.matcher(retentionText);
                if (m.matches()) {
                    retention = Optional.of(toDuration(Long.parseLong(m.group(1)), m.group(2)));
                } else {
                    problems.add(at + ".retention: '" + retentionText + "' must be like 7d, 12h or 'forever'");
                }
            }
            for (String required : List.of("owner", "payload", "key", "description")) {
                if (t.path(required).asText("").isBlank()) {
                    problems.add(at + "." + required + ": required");
                }
            }
            List<String> readers = new ArrayList<>();
            JsonNode readerList = t.path("readers");
            if (!readerList.isMissingNode() && !readerList.isArray()) {
                problems.add(at + ".readers: must be a list of services");
            }
            for (JsonNode reader : readerList) {
                String service = reader.asText("");
                if (!SERVICES.contains(service)) {
                    problems.add(at + ".readers: '" + service + "' is not one of " + SERVICES);
                } else if (service.equals(t.path("owner").asText()) || readers.contains(service)) {
                    problems.add(at + ".readers: '" + service + "' is named twice (an owner reads what it owns)");
                } else {
                    readers.add(service);
                }
            }
            if (t.path("restricted").asBoolean(false) && !readers.isEmpty()) {
                // Restricted means its owner's principal alone may read it (raw PII, quarantined payloads).
                problems.add(at + ".readers: a restricted topic is read by its owner only");
            }
            String owner = t.path("owner").asText();
            if (!owner.isBlank() && !SERVICES.contains(owner)) {
                problems.add(at + ".owner: '" + owner + "' is not one of " + SERVICES);
            }
            topics.put(name, new TopicSpec(name, owner, t.path("payload").asText(), t.path("key").asText(),
                    partitions, retention, cleanup, t.path("restricted").asBoolean(false), List.copyOf(readers),
                    t.path("description").asText()));
        }
        if (!problems.isEmpty()) {
            throw new ContractViolationException(file, problems);
        }
        return new TopicCatalog(Map.copyOf(topics));
    }

    private static Duration toDuration(long amount, String unit) {
        return switch (unit) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    public List<TopicSpec> topics() {
        return topics.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    /** The topic by name; fails loudly, since a service naming a topic the catalogue lacks is a bug. */
    public TopicSpec topic(String name) {
        TopicSpec spec = topics.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("topic " + name + " is not in the catalogue (contracts/" + FILE + ")");
        }
        return spec;
    }
}
