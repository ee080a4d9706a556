package dev.cairn.delivery.plan;

import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * What {@code ./cairn up} runs for delivery (the Helm chart's hook does the same in a cluster):
 *
 * <pre>
 * DeliveryCommand acls  &lt;operator client.properties&gt; &lt;contracts dir&gt; &lt;principal, e.g. User:connect&gt; [password file]
 * DeliveryCommand apply &lt;Connect REST URL&gt; &lt;contracts dir&gt; &lt;connections dir&gt; [replication factor]
 * DeliveryCommand status &lt;Connect REST URL&gt; &lt;contracts dir&gt;
 * DeliveryCommand replay &lt;Connect REST URL&gt; &lt;contracts dir&gt; &lt;destination&gt;
 * </pre>
 *
 * With a password file, {@code acls} first creates or updates the principal's SCRAM-SHA-512 credential, so a cluster
 * formatted before delivery existed gets one. Every command loads and checks the plan first: an invalid delivery block stops here, with its path, before Kafka or Connect
 * see anything.
 */
public final class DeliveryCommand {

    /** Kafka's default for SCRAM-SHA-512 (kafka-configs --add-config 'SCRAM-SHA-512=[password=...]'). */
    private static final int SCRAM_ITERATIONS = 4096;

    private DeliveryCommand() {
    }

    /**
     * The dead-letter topics, made by the operator as the catalogue's other dead-letter topics are (one partition,
     * kept 30 days) rather than by Connect with whatever defaults it has, so the worker needs no right to create
     * topics. The Helm chart's topic Job creates the same ones (deploy-checks holds the two equal).
     */
    public static List<NewTopic> deadLetterTopics(DeliveryPlan plan) {
        return plan.deliveries().stream()
                .map(d -> new NewTopic(d.deadLetterTopic(), Optional.of(1), Optional.empty())
                        .configs(Map.of("retention.ms", Long.toString(Duration.ofDays(30).toMillis()),
                                "cleanup.policy", "delete")))
                .toList();
    }

    /** Creates {@link #deadLetterTopics}; existing ones are left as they are. */
    static void createDeadLetterTopics(Admin admin, DeliveryPlan plan) throws Exception {
        for (NewTopic topic : deadLetterTopics(plan)) {
            try {
                admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 4 && args[0].equals("acls")) {
            DeliveryPlan plan = DeliveryPlan.load(Path.of(args[2]));
            Properties client = new Properties();
            try (Reader in = Files.newBufferedReader(Path.of(args[1]))) {
                client.load(in);
            }
            Map<String, Object> config = new HashMap<>();
            client.forEach((k, v) -> config.put((String) k, v));
            try (Admin admin = Admin.create(config)) {
                if (args.length > 4) {
                    String user = args[3].substring(args[3].indexOf(':') + 1);
                    String password = Files.readString(Path.of(args[4])).strip();
                    admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password)))
                            .all().get(30, TimeUnit.SECONDS);
                }
                admin.createAcls(DeliveryAccess.bindings(plan, args[3])).all().get(30, TimeUnit.SECONDS);
                createDeadLetterTopics(admin, plan);
            }
            System.out.println("Kafka Connect's ACLs for " + args[3] + " and dead-letter topics: "
                    + plan.deliveries().size() + " destinations");
        } else if (args.length >= 4 && args[0].equals("apply")) {
            DeliveryPlan plan = DeliveryPlan.load(Path.of(args[2]));
            ConnectorConfigs configs = new ConnectorConfigs(Path.of(args[3]),
                    args.length > 4 ? Short.parseShort(args[4]) : 1);
            ConnectClient connect = new ConnectClient(URI.create(args[1]));
            for (Delivery d : plan.deliveries()) {
                connect.put(d.connectorName(), configs.render(d, plan));
                System.out.println("applied " + d.connectorName() + ": " + d.topic() + " -> " + d.connector() + " "
                        + d.target().connection() + "/" + d.target().table());
            }
        } else if (args.length == 3 && args[0].equals("status")) {
            DeliveryPlan plan = DeliveryPlan.load(Path.of(args[2]));
            ConnectClient connect = new ConnectClient(URI.create(args[1]));
            for (Delivery d : plan.deliveries()) {
                System.out.println(d.connectorName() + " " + connect.status(d.connectorName()));
            }
        } else if (args.length == 4 && args[0].equals("replay")) {
            DeliveryPlan plan = DeliveryPlan.load(Path.of(args[2]));
            Delivery delivery = plan.deliveries().stream().filter(d -> d.destination().equals(args[3])).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no delivered destination " + args[3] + " in "
                            + plan.deliveries().stream().map(Delivery::destination).toList()));
            new ConnectClient(URI.create(args[1])).replay(delivery.connectorName());
            System.out.println("replaying " + delivery.topic() + " into " + delivery.target().table()
                    + " (rows are upserted: nothing is duplicated)");
        } else {
            System.err.println(
                    "usage: DeliveryCommand acls <client.properties> <contracts dir> <principal> [password file]\n"
                            + "       DeliveryCommand apply <connect url> <contracts dir> <connections dir> [replication factor]\n"
                            + "       DeliveryCommand status <connect url> <contracts dir>\n"
                            + "       DeliveryCommand replay <connect url> <contracts dir> <destination>");
            System.exit(2);
        }
    }
}
