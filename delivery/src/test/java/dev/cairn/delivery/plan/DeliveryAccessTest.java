package dev.cairn.delivery.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;

/** The Connect principal's rights are exactly what the shipped plan delivers, and nothing of what it does not. */
class DeliveryAccessTest {

    private final Set<String> rights = rights(DeliveryPlan.load(DeliveryPlanTest.CONTRACTS));

    @Test
    void it_reads_the_delivered_topics_and_writes_their_dead_letter_topics() {
        for (String topic : Set.of("cairn.events.governed.v1", "cairn.dest.email_marketing.v1",
                "cairn.dest.advertising.v1")) {
            assertTrue(rights.contains("TOPIC LITERAL " + topic + " READ"), topic);
            assertTrue(!rights.contains("TOPIC LITERAL " + topic + " WRITE"),
                    "never writes what ingest owns: " + topic);
        }
        assertTrue(rights.contains("TOPIC LITERAL cairn.dead-letters.delivery-advertising.v1 WRITE"));
        assertTrue(rights.contains("GROUP PREFIXED connect-cairn-delivery- READ"));
        assertTrue(rights.contains("GROUP LITERAL cairn-connect READ"));
    }

    @Test
    void nothing_else_raw_events_links_and_consent_state_stay_out_of_reach() {
        Set<String> topics = new TreeSet<>();
        rights.stream().filter(r -> r.startsWith("TOPIC LITERAL")).forEach(r -> topics.add(r.split(" ")[2]));
        assertEquals(Set.of("cairn.events.governed.v1", "cairn.dest.email_marketing.v1", "cairn.dest.advertising.v1",
                "cairn.dead-letters.delivery-governed.v1", "cairn.dead-letters.delivery-email_marketing.v1",
                "cairn.dead-letters.delivery-advertising.v1"), topics);
        assertTrue(rights.stream().filter(r -> r.startsWith("TOPIC PREFIXED"))
                .allMatch(r -> r.startsWith("TOPIC PREFIXED cairn-connect- ")), "its own internal topics only");
        assertTrue(rights.stream().noneMatch(r -> r.startsWith("CLUSTER")));
    }

    private static Set<String> rights(DeliveryPlan plan) {
        Set<String> rights = new TreeSet<>();
        for (AclBinding b : DeliveryAccess.bindings(plan, "User:connect")) {
            assertEquals("User:connect", b.entry().principal());
            rights.add(b.pattern().resourceType() + " " + b.pattern().patternType() + " " + b.pattern().name() + " "
                    + b.entry().operation());
        }
        return rights;
    }
}
