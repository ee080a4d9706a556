package dev.cairn.delivery.plan;

import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;

/**
 * What {@code ./cairn up} runs for delivery (the Helm chart's hook does the same in a cluster):
 *
 * <pre>
 * DeliveryCommand acls  &lt;operator client.properties&gt; &lt;contracts dir&gt; &lt;principal, e.g. User:connect&gt;
 * DeliveryCommand apply &lt;Connect REST URL&gt; &lt;contracts dir&gt; &lt;connections dir&gt; [replication factor]
 * DeliveryCommand status &lt;Connect REST URL&gt; &lt;contracts dir&gt;
 * DeliveryCommand replay &lt;Connect REST URL&gt; &lt;contracts dir&gt; &lt;destination&gt;
 * </pre>
 *
 * Both load and check the plan first: an invalid delivery block stops here, with its path, before Kafka or Connect
 * see anything.
 */
public final class DeliveryCommand {

    private DeliveryCommand() {
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
                admin.createAcls(DeliveryAccess.bindings(plan, args[3])).all().get(30, TimeUnit.SECONDS);
            }
            System.out
                    .println("Kafka Connect's ACLs for " + args[3] + ": " + plan.deliveries().size() + " destinations");
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
            System.err.println("usage: DeliveryCommand acls <client.properties> <contracts dir> <principal>\n"
                    + "       DeliveryCommand apply <connect url> <contracts dir> <connections dir> [replication factor]\n"
                    + "       DeliveryCommand status <connect url> <contracts dir>\n"
                    + "       DeliveryCommand replay <connect url> <contracts dir> <destination>");
            System.exit(2);
        }
    }
}
