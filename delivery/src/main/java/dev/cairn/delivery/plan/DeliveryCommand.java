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
        } else {
            System.err.println("usage: DeliveryCommand acls <client.properties> <contracts dir> <principal>\n"
                    + "       DeliveryCommand apply <connect url> <contracts dir> <connections dir> [replication factor]");
            System.exit(2);
        }
    }
}
