package dev.cairn.platform.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;

import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.TopicCatalog;

/**
 * What an operator does once per cluster, with the operator's credentials: create the catalogue's topics and the
 * services' ACLs ({@link KafkaAccess}). The services cannot do it themselves once Kafka enforces ACLs (none may
 * create topics or grant itself rights), so {@code ./cairn up} runs this before it starts them, as the Helm chart's
 * topic Job does in a cluster, and the tests' broker does the same through {@link #provision}.
 *
 * <p>
 * Usage: {@code KafkaProvisioning <client.properties> <contracts dir> [replication factor]}; the properties file holds
 * {@code bootstrap.servers} and the operator's {@code security.protocol} and {@code sasl.*} settings, the same file
 * Kafka's own command-line tools take as {@code --command-config}. Each service's principal is {@code User:<service>}.
 */
public final class KafkaProvisioning {

    private KafkaProvisioning() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: KafkaProvisioning <client.properties> <contracts dir> [replication factor]");
            System.exit(2);
        }
        Properties client = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(args[0]))) {
            client.load(in);
        }
        Map<String, Object> config = new HashMap<>();
        client.forEach((k, v) -> config.put((String) k, v));
        short replicationFactor = args.length == 3 ? Short.parseShort(args[2]) : 1;
        TopicCatalog catalog = TopicCatalog.load(ContractSource.directory(Path.of(args[1])));
        try (Admin admin = Admin.create(config)) {
            List<String> created = provision(admin, catalog, localPrincipals(), replicationFactor);
            System.out.println("ACLs for " + TopicCatalog.SERVICES + "; topics created: "
                    + (created.isEmpty() ? "none (all existed)" : created));
        }
    }

    /** The principals of the local stack and the tests: {@code User:<service>}. */
    public static Map<String, String> localPrincipals() {
        Map<String, String> principals = new HashMap<>();
        TopicCatalog.SERVICES.forEach(s -> principals.put(s, "User:" + s));
        return principals;
    }

    /** ACLs first, so a service may use a topic as soon as it exists; then the missing topics. */
    public static List<String> provision(Admin admin, TopicCatalog catalog, Map<String, String> principals,
            short replicationFactor) throws IOException {
        try {
            KafkaAccess.apply(admin, catalog, principals);
            return TopicProvisioner.ensure(admin, catalog, replicationFactor);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while provisioning Kafka", e);
        } catch (Exception e) {
            throw new IOException("cannot provision Kafka's topics and ACLs: " + e.getMessage(), e);
        }
    }
}
