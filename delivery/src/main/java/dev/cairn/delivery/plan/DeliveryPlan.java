package dev.cairn.delivery.plan;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import dev.cairn.delivery.connect.PropertyColumn;

/**
 * Destinations as code, for delivery: the {@code delivery:} blocks of contracts/ingest/destinations.yaml, checked
 * against delivery-block.schema.json and bound to {@link Delivery} records, with the typed property columns the
 * tracking plan gives every table. The one source of truth for the connectors {@link ConnectorConfigs} renders; an
 * invalid block fails loading with its path and what is wrong, before anything reaches Connect.
 *
 * <p>
 * The rest of the file (purposes, PII policy) is ingest's to check ({@code PiiPolicy}); a destination without a
 * delivery block is not delivered by Connect.
 */
public record DeliveryPlan(List<Delivery> deliveries, List<PropertyColumn> columns) {

    public static final String DESTINATIONS = "ingest/destinations.yaml";
    static final String TOPICS = "topics.yaml";
    public static final String CONNECTOR_PREFIX = "cairn-delivery-";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final JsonSchema BLOCK_SCHEMA = blockSchema();
    private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m)");

    public DeliveryPlan {
        deliveries = List.copyOf(deliveries);
        columns = List.copyOf(columns);
    }

    /** Loads and checks the delivery plan of a contracts directory (the repository's contracts/, or a mounted copy). */
    public static DeliveryPlan load(Path contractsDir) {
        Path file = contractsDir.resolve(DESTINATIONS);
        JsonNode root = read(file);
        List<String> problems = new ArrayList<>();
        List<Delivery> deliveries = new ArrayList<>();
        Set<String> catalogued = topicNames(contractsDir);
        Set<String> tables = new HashSet<>();
        Set<String> deadLetterTopics = new HashSet<>();
        JsonNode list = root.path("destinations");
        for (int i = 0; i < list.size(); i++) {
            JsonNode destination = list.get(i);
            JsonNode block = destination.get("delivery");
            if (block == null) {
                continue;
            }
            String at = "destinations[" + i + "].delivery";
            Set<ValidationMessage> violations = BLOCK_SCHEMA.validate(block);
            if (!violations.isEmpty()) {
                violations.stream().map(v -> at + v.getInstanceLocation().toString().substring(1) + ": "
                        + v.getMessage().replaceFirst("^\\$[^:]*: ", "")).sorted().forEach(problems::add);
                continue;
            }
            Delivery delivery = bind(destination, block);
            if (!catalogued.contains(delivery.topic())) {
                problems.add("destinations[" + i + "].topic: " + delivery.topic() + " is not in " + TOPICS
                        + ": Connect would wait for a topic nobody creates");
            }
            if (!tables.add(delivery.target().connection() + "/" + delivery.target().table())) {
                problems.add(at + ".target: table " + delivery.target().table() + " of connection "
                        + delivery.target().connection() + " is another destination's: each destination has its own");
            }
            if (!deadLetterTopics.add(delivery.deadLetterTopic())) {
                problems.add(at + ".dead-letter-topic: " + delivery.deadLetterTopic()
                        + " is another destination's: dead letters of two destinations must not mix");
            }
            deliveries.add(delivery);
        }
        if (!problems.isEmpty()) {
            throw new InvalidDeliveryPlanException(file.toString(), problems);
        }
        return new DeliveryPlan(deliveries, TrackingPlanColumns.derive(contractsDir));
    }

    private static Delivery bind(JsonNode destination, JsonNode block) {
        JsonNode target = block.path("target");
        return new Delivery(destination.path("name").asText(), destination.path("topic").asText(),
                Delivery.Connector.valueOf(block.path("connector").asText().toUpperCase(Locale.ROOT)),
                new Delivery.Target(target.path("connection").asText(), target.path("table").asText()),
                block.path("batching").path("max-records").asInt(500),
                block.path("retry").path("attempts").asInt(10),
                duration(block.path("retry").path("backoff").asText("1s")),
                Delivery.OnUnreadable.valueOf(
                        block.path("on-unreadable").asText("dead-letter").replace('-', '_').toUpperCase(Locale.ROOT)),
                block.path("dead-letter-topic").asText());
    }

    private static Duration duration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: " + text); // the schema's pattern has checked it
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            default -> Duration.ofMinutes(amount);
        };
    }

    private static Set<String> topicNames(Path contractsDir) {
        Set<String> names = new HashSet<>();
        read(contractsDir.resolve(TOPICS)).path("topics").forEach(t -> names.add(t.path("name").asText()));
        return names;
    }

    static JsonNode read(Path file) {
        try {
            return YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static JsonSchema blockSchema() {
        try (InputStream in = DeliveryPlan.class.getResourceAsStream("/delivery-block.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
