package dev.cairn.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

class KafkaClientsTest {

    @Test
    void every_client_gets_the_services_security_settings_and_its_own_on_top() {
        KafkaClients clients = new KafkaClients(Map.of("bootstrap.servers", "broker:9093", "security.protocol",
                "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "acks", "1"));

        Map<String, Object> config = clients.config(Map.of("acks", "all", "enable.idempotence", true));

        assertEquals("SASL_SSL", config.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", config.get("sasl.mechanism"));
        assertEquals("broker:9093", config.get("bootstrap.servers"));
        assertEquals("all", config.get("acks"), "the caller's setting wins");
        assertEquals(true, config.get("enable.idempotence"));
    }
}
