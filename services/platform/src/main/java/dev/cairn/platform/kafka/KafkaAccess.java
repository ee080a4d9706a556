package dev.cairn.platform.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import dev.cairn.platform.contracts.TopicCatalog;
import dev.cairn.platform.contracts.TopicSpec;

/**
 * Who may do what on Kafka, derived from the topic catalogue (contracts/topics.yaml): each service's principal may
 * write and read the topics it owns, read those it is a reader of, use consumer groups and transactional ids
 * prefixed {@code cairn-<service>}, and, for a Kafka Streams application, its internal topics (prefixed by its
 * application id, {@code cairn-<service>}). Nothing else: raw events and identifier links stay with their owners,
 * and no service can write another's state (a consent state, an identity change). The local stack and the tests
 * apply these ACLs on a broker that refuses everything without one; the Helm chart's topic Job renders the same
 * rules from the same file (deploy-checks holds the two together).
 */
public final class KafkaAccess {

    /** The services that run Kafka Streams, whose application id is {@code cairn-<service>}. */
    public static final Set<String> STREAMS_APPLICATIONS = Set.of("segments");

    private KafkaAccess() {
    }

    /** The prefix of a service's consumer groups, transactional ids and Kafka Streams internal topics. */
    public static String prefix(String service) {
        return "cairn-" + service;
    }

    /**
     * The ACLs of every service.
     *
     * @param principals each service's Kafka principal, e.g. {@code User:ingest}; every service of the catalogue
     *        must have one, and no two services share one (ACLs could not tell them apart)
     */
    public static List<AclBinding> bindings(TopicCatalog catalog, Map<String, String> principals) {
        if (Set.copyOf(principals.values()).size() != principals.size()) {
            throw new IllegalArgumentException("two services share a Kafka principal: " + principals);
        }
        List<AclBinding> acls = new ArrayList<>();
        for (String service : TopicCatalog.SERVICES) {
            String principal = principals.get(service);
            if (principal == null) {
                throw new IllegalArgumentException("no Kafka principal for " + service);
            }
            for (TopicSpec topic : catalog.topics()) {
                if (topic.owner().equals(service)) {
                    allow(acls, principal, ResourceType.TOPIC, topic.name(), PatternType.LITERAL, AclOperation.WRITE,
                            AclOperation.READ, AclOperation.DESCRIBE);
                } else if (topic.readers().contains(service)) {
                    allow(acls, principal, ResourceType.TOPIC, topic.name(), PatternType.LITERAL, AclOperation.READ,
                            AclOperation.DESCRIBE);
                }
            }
            String prefix = prefix(service);
            allow(acls, principal, ResourceType.GROUP, prefix, PatternType.PREFIXED, AclOperation.READ,
                    AclOperation.DESCRIBE);
            allow(acls, principal, ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED, AclOperation.WRITE,
                    AclOperation.DESCRIBE);
            if (STREAMS_APPLICATIONS.contains(service)) {
                allow(acls, principal, ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.ALL);
            }
        }
        return acls;
    }

    /** Creates {@link #bindings}; idempotent (an ACL that exists is not duplicated), and never removes one. */
    public static void apply(Admin admin, TopicCatalog catalog, Map<String, String> principals)
            throws InterruptedException, ExecutionException, TimeoutException {
        admin.createAcls(bindings(catalog, principals)).all().get(30, TimeUnit.SECONDS);
    }

    private static void allow(List<AclBinding> acls, String principal, ResourceType type, String name,
            PatternType pattern, AclOperation... operations) {
        for (AclOperation operation : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
        }
    }
}
