package dev.cairn.delivery.plan;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What the Kafka Connect worker's principal may do, derived from the delivery plan, as {@code KafkaAccess} derives the
 * services' rights from the topic catalogue: read the topics of the destinations it delivers (and nothing else, so
 * raw events and links stay out of reach), write each one's dead-letter topic, and use its own internal topics and
 * consumer groups. No right to create topics other than its internal ones, and none on the cluster.
 */
public final class DeliveryAccess {

    /** The worker's group id, and the prefix of its config, offset and status topics. */
    public static final String WORKER_GROUP = "cairn-connect";
    public static final String INTERNAL_TOPIC_PREFIX = WORKER_GROUP + "-";

    private DeliveryAccess() {
    }

    public static List<AclBinding> bindings(DeliveryPlan plan, String principal) {
        List<AclBinding> acls = new ArrayList<>();
        allow(acls, principal, ResourceType.GROUP, WORKER_GROUP, PatternType.LITERAL, AclOperation.READ,
                AclOperation.DESCRIBE);
        // A sink connector's consumer group is connect-<connector name>; a replay deletes its offsets.
        allow(acls, principal, ResourceType.GROUP, "connect-" + DeliveryPlan.CONNECTOR_PREFIX, PatternType.PREFIXED,
                AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE);
        // The worker creates and compacts its internal topics itself, as Kafka Streams does its own.
        allow(acls, principal, ResourceType.TOPIC, INTERNAL_TOPIC_PREFIX, PatternType.PREFIXED, AclOperation.ALL);
        for (Delivery d : plan.deliveries()) {
            allow(acls, principal, ResourceType.TOPIC, d.topic(), PatternType.LITERAL, AclOperation.READ,
                    AclOperation.DESCRIBE);
            // Created by the operator (DeliveryCommand acls), so the worker only writes and describes them.
            allow(acls, principal, ResourceType.TOPIC, d.deadLetterTopic(), PatternType.LITERAL, AclOperation.WRITE,
                    AclOperation.DESCRIBE);
        }
        return acls;
    }

    private static void allow(List<AclBinding> acls, String principal, ResourceType type, String name,
            PatternType pattern, AclOperation... operations) {
        for (AclOperation operation : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
        }
    }
}
