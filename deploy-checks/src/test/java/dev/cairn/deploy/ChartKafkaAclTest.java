package dev.cairn.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cairn.platform.contracts.TopicCatalog;
import dev.cairn.platform.contracts.TopicSpec;
import dev.cairn.platform.kafka.KafkaAccess;

/**
 * With kafka.acls.create, the topic Job grants each service's principal what its code uses and nothing it does not
 * name: write and read on the topics it owns (contracts/topics.yaml), read on those it is a reader of (topics.yaml `readers`,
 * held here against the topics the service's code and configuration name), its consumer groups and transactional
 * ids, and for Kafka Streams its internal topics.
 */
class ChartKafkaAclTest {

    static final Path PRODUCTION = RepoLayout.CHART.resolve("ci/production-values.yaml");
    private static final Pattern ACL_CALL = Pattern.compile("(?m)^.*/opt/kafka/bin/kafka-acls\\.sh (.*)$");
    private static final Pattern OPTION = Pattern.compile("--([a-z-]+)(?: (\"[^\"]*\"|[^ -][^ ]*))?");

    /** One --add call: its principal variable, operations, pattern type and resources by type. */
    record Acl(String principal, Set<String> operations, String pattern, Map<String, Set<String>> resources) {
    }

    private static JsonNode pod;
    private static String script;
    private static List<Acl> acls;

    @BeforeAll
    static void render() {
        assertTrue(HelmChart.read(PRODUCTION).path("kafka").path("acls").path("create").asBoolean(),
                "ci/production-values.yaml must create ACLs, or nothing checks them");
        Manifests m = HelmChart.render(PRODUCTION, HelmChart.PLAIN_TOPIC_JOB);
        pod = m.get("Job", HelmChart.RELEASE + "-topics").path("spec").path("template").path("spec");
        script = pod.path("containers").get(0).path("args").get(0).asText();
        acls = parse(script);
    }

    @Test
    void noAclIsCreatedUnlessAskedFor() {
        Manifests m = HelmChart.render(ChartLintTest.DEFAULT_CASE, HelmChart.PLAIN_TOPIC_JOB);
        String defaultScript = m.get("Job", HelmChart.RELEASE + "-topics").path("spec").path("template").path("spec")
                .path("containers").get(0).path("args").get(0).asText();
        assertFalse(defaultScript.contains("kafka-acls.sh"), "kafka.acls.create is off by default");
    }

    @Test
    void everyServiceIsGrantedWhatItsCodeUsesAndNothingItDoesNotName() {
        Map<String, Set<String>> owned = new TreeMap<>();
        for (TopicSpec t : ChartWiringTest.CATALOG.topics()) {
            owned.computeIfAbsent(t.owner(), o -> new TreeSet<>()).add(t.name());
        }
        JsonNode security = ChartKafkaSecurityTest.security(PRODUCTION);
        for (String service : RepoLayout.serviceNames()) {
            ServiceConfig config = ServiceConfig.of(service);
            String principal = principalVariable(service, security);
            Map<String, Set<String>> topics = new TreeMap<>();
            for (Acl acl : acls) {
                if (acl.principal.equals(principal) && acl.pattern.equals("literal")) {
                    acl.resources.getOrDefault("topic", Set.of())
                            .forEach(t -> topics.computeIfAbsent(t, x -> new TreeSet<>()).addAll(acl.operations));
                }
            }
            Set<String> mine = owned.getOrDefault(service, Set.of());
            for (String topic : mine) {
                assertEquals(Set.of("Write", "Read", "Describe"), topics.get(topic),
                        service + " owns " + topic + ": it writes and reads it");
            }
            Set<String> reads = new TreeSet<>(topics.keySet());
            reads.removeAll(mine);
            for (String topic : reads) {
                assertEquals(Set.of("Read", "Describe"), topics.get(topic), service + " only reads " + topic);
                assertTrue(config.topics.contains(topic),
                        service + " is granted " + topic + ", which its code and configuration never name");
            }
            // Everything the service's own files name is granted. (Topics only the platform's code names, such as
            // the consent view's, count where the service runs that code: `readers` says where, and the
            // check above keeps it to topics the service's configuration or code reach.)
            Set<String> ownNames = new TreeSet<>(namedIn(RepoLayout.SERVICES.resolve(service)));
            for (String topic : ownNames) {
                assertTrue(topics.containsKey(topic), service + " names " + topic + " but is granted nothing on it");
            }

            String prefix = "cairn-" + service;
            assertTrue(has(principal, "prefixed", "group", prefix, Set.of("Read", "Describe")),
                    service + ": its consumer groups (prefix " + prefix + ")");
            assertTrue(has(principal, "prefixed", "transactional-id", prefix, Set.of("Write", "Describe")),
                    service + ": its transactional ids (prefix " + prefix + ")");
            for (String group : groupIds(config)) {
                assertTrue(group.startsWith(prefix), service + " uses consumer group " + group + ", not " + prefix);
            }
            for (String id : transactionalIdPrefixes(service)) {
                assertTrue(id.startsWith(prefix), service + " uses transactional ids " + id + "*, not " + prefix);
            }
            String streamsId = config.properties.get("quarkus.kafka-streams.application-id");
            assertEquals(streamsId != null, has(principal, "prefixed", "topic", prefix, Set.of("All")),
                    service + ": Kafka Streams' internal topics (prefix application id) iff it runs Kafka Streams");
            if (streamsId != null) {
                assertEquals(prefix, streamsId, service + ": internal topics and groups are prefixed by the app id");
            }
        }
    }

    /**
     * One policy, two renderings: the chart's ACLs for the services are exactly those {@link KafkaAccess} derives from
     * the same catalogue, which the local stack and every service's tests run against (a service's tests fail when
     * its code needs a right the policy does not give).
     */
    @Test
    void theChartGrantsExactlyWhatTheLocalStackAndTheTestsEnforce() {
        Map<String, String> principals = new TreeMap<>();
        for (String service : TopicCatalog.SERVICES) {
            principals.put(service, "User:CAIRN_KAFKA_PRINCIPAL_" + service.toUpperCase());
        }
        Set<String> expected = new TreeSet<>();
        for (AclBinding b : KafkaAccess.bindings(ChartWiringTest.CATALOG, principals)) {
            String type = switch (b.pattern().resourceType()) {
                case TOPIC -> "topic";
                case GROUP -> "group";
                case TRANSACTIONAL_ID -> "transactional-id";
                default -> throw new AssertionError("unexpected resource type " + b.pattern().resourceType());
            };
            String op = b.entry().operation().name().charAt(0)
                    + b.entry().operation().name().substring(1).toLowerCase();
            expected.add(b.entry().principal().substring("User:".length()) + " " + b.pattern().patternType().name()
                    .toLowerCase() + " " + type + " " + b.pattern().name() + " " + op);
        }
        Set<String> rendered = new TreeSet<>();
        for (Acl acl : acls) {
            if (acl.principal.equals("CAIRN_KAFKA_SASL_USERNAME")) {
                continue; // the Job's own rights, to create topics and ACLs
            }
            acl.resources.forEach((type, names) -> names.forEach(name -> acl.operations
                    .forEach(op -> rendered
                            .add(acl.principal + " " + acl.pattern + " " + type + " " + name + " " + op))));
        }
        assertEquals(expected, rendered);
    }

    @Test
    void principalsAreTheServicesOwnAndTheAclsComeBeforeTheTopics() {
        JsonNode security = ChartKafkaSecurityTest.security(PRODUCTION);
        Set<String> principals = new TreeSet<>();
        acls.forEach(a -> principals.add(a.principal));
        Set<String> expected = new TreeSet<>();
        for (String service : RepoLayout.serviceNames()) {
            expected.add(principalVariable(service, security));
        }
        expected.add("CAIRN_KAFKA_SASL_USERNAME");
        assertEquals(expected, principals, "every ACL names a service's principal or the Job's own");
        assertTrue(has("CAIRN_KAFKA_SASL_USERNAME", "prefixed", "topic", "cairn.",
                Set.of("Create", "Describe", "DescribeConfigs")), "the Job keeps creating and describing cairn.*");
        assertTrue(has("CAIRN_KAFKA_SASL_USERNAME", "literal", "cluster", "kafka-cluster",
                Set.of("Alter", "Create", "Describe", "DescribeConfigs")),
                "the Job keeps the right to create topics and ACLs once the broker refuses principals without ACLs");
        // A service with a cluster ACL would be the only one; none needs it (idempotent producers need Write on a
        // topic, transactions their transactional id).
        assertTrue(acls.stream().filter(a -> a.resources.containsKey("cluster"))
                .allMatch(a -> a.principal.equals("CAIRN_KAFKA_SASL_USERNAME")), "only the Job acts on the cluster");
        int lastAcl = 0;
        Matcher m = ACL_CALL.matcher(script);
        while (m.find()) {
            lastAcl = m.end();
        }
        assertTrue(lastAcl > 0 && lastAcl < script.indexOf("kafka-topics.sh --bootstrap-server"),
                "the ACLs must exist before the topics do");
    }

    /** The Job's variable holding a service's username: a secretKeyRef to that service's own credentials. */
    private static String principalVariable(String service, JsonNode security) {
        String name = "CAIRN_KAFKA_PRINCIPAL_" + service.toUpperCase();
        JsonNode credentials = security.path("sasl").path("credentials").path(service);
        for (JsonNode env : pod.path("containers").get(0).path("env")) {
            if (env.path("name").asText().equals(name)) {
                JsonNode ref = env.path("valueFrom").path("secretKeyRef");
                assertEquals(credentials.path("name").asText(), ref.path("name").asText(), name + ": Secret");
                assertEquals(credentials.path("usernameKey").asText(), ref.path("key").asText(), name + ": key");
                return name;
            }
        }
        throw new AssertionError("the Job has no " + name);
    }

    private static boolean has(String principal, String pattern, String type, String resource, Set<String> ops) {
        return acls.stream().anyMatch(a -> a.principal.equals(principal) && a.pattern.equals(pattern)
                && a.resources.getOrDefault(type, Set.of()).contains(resource) && a.operations.equals(ops));
    }

    static List<Acl> parse(String script) {
        List<Acl> all = new ArrayList<>();
        Matcher call = ACL_CALL.matcher(script);
        while (call.find()) {
            String principal = null;
            String pattern = "literal";
            Set<String> operations = new TreeSet<>();
            Map<String, Set<String>> resources = new HashMap<>();
            Matcher o = OPTION.matcher(call.group(1));
            while (o.find()) {
                String value = o.group(2) == null ? "" : o.group(2).replace("\"", "");
                switch (o.group(1)) {
                    case "allow-principal" -> {
                        Matcher v = Pattern.compile("^User:\\$\\{([A-Z_]+)}$").matcher(value);
                        assertTrue(v.find(), "principal must be User:${VARIABLE}: " + value);
                        principal = v.group(1);
                    }
                    case "operation" -> operations.add(value);
                    case "resource-pattern-type" -> pattern = value;
                    case "cluster" -> resources.computeIfAbsent("cluster", k -> new TreeSet<>()).add("kafka-cluster");
                    case "topic", "group", "transactional-id" ->
                        resources.computeIfAbsent(o.group(1), k -> new TreeSet<>()).add(value);
                    case "bootstrap-server", "command-config", "add" -> {
                    }
                    default -> throw new AssertionError("unexpected kafka-acls.sh option --" + o.group(1));
                }
            }
            assertTrue(call.group(1).contains(" --add"), "ACLs are only ever added: " + call.group());
            all.add(new Acl(principal, operations, pattern, resources));
        }
        return all;
    }

    /** Catalogue topic names in a module's main sources and configuration (code literals and property values). */
    private static Set<String> namedIn(Path module) {
        Set<String> topics = new TreeSet<>();
        Pattern name = Pattern.compile("cairn\\.[a-z][a-z_-]*(?:\\.[a-z][a-z_-]*)*\\.v[0-9]+");
        try (Stream<Path> walk = Files.walk(module.resolve("src/main"))) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                String file = f.toString();
                if (file.endsWith(".java")) {
                    Matcher m = ServiceConfig.TOPIC.matcher(Files.readString(f));
                    while (m.find()) {
                        topics.add(m.group(1));
                    }
                } else if (file.endsWith(".properties")) {
                    for (String line : Files.readAllLines(f)) {
                        if (!line.startsWith("#") && !line.startsWith("%test.")) {
                            Matcher m = name.matcher(line);
                            while (m.find()) {
                                topics.add(m.group());
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return topics;
    }

    /** Consumer groups in the configuration: channels' group.id, else Quarkus' default (the application name). */
    private static Set<String> groupIds(ServiceConfig config) {
        Set<String> groups = new TreeSet<>();
        config.properties.forEach((k, v) -> {
            if (k.endsWith(".group.id") || k.equals("quarkus.kafka-streams.application-id")
                    || k.equals("quarkus.application.name")) {
                groups.add(v);
            }
        });
        return groups;
    }

    /** The literal prefix of every transactional.id the service's code sets. */
    private static Set<String> transactionalIdPrefixes(String service) {
        Set<String> ids = new TreeSet<>();
        Pattern id = Pattern.compile("TRANSACTIONAL_ID_CONFIG,\\s*\"([^\"]*)\"");
        try (Stream<Path> walk = Files.walk(RepoLayout.SERVICES.resolve(service).resolve("src/main/java"))) {
            for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = id.matcher(Files.readString(f));
                while (m.find()) {
                    ids.add(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ids;
    }
}
