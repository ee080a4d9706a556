package dev.cairn.platform.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

class TopicCatalogTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static TopicCatalog parse(String yaml) throws Exception {
        return TopicCatalog.parse(YAML.readTree(yaml), "topics.yaml");
    }

    @Test
    void the_packaged_catalogue_is_valid_and_names_every_topic_of_the_design() {
        TopicCatalog catalog = TopicCatalog.load(ContractSource.packaged());
        for (String topic : new String[]{"cairn.events.raw.v1", "cairn.events.governed.v1",
                "cairn.events.quarantine.v1", "cairn.identity.links.v1", "cairn.identity.changes.v1",
                "cairn.consent.state.v1", "cairn.segments.changes.v1", "cairn.privacy.erasure.v1"}) {
            assertEquals(topic, catalog.topic(topic).name());
        }
        assertTrue(catalog.topic("cairn.consent.state.v1").compacted(), "consent state is compacted");
        assertEquals(Optional.empty(), catalog.topic("cairn.consent.state.v1").retention());
    }

    @Test
    void retention_and_cleanup_are_parsed() throws Exception {
        TopicCatalog catalog = parse(
                """
                        version: 1
                        topics:
                          - {name: cairn.a.b.v1, owner: ingest, readers: [identity], payload: p, key: k, description: d, partitions: 3, retention: 12h, cleanup: delete}
                        """);
        assertEquals(Optional.of(Duration.ofHours(12)), catalog.topic("cairn.a.b.v1").retention());
        assertEquals(3, catalog.topic("cairn.a.b.v1").partitions());
        assertEquals(java.util.List.of("identity"), catalog.topic("cairn.a.b.v1").readers());
    }

    @Test
    void owners_and_readers_are_services_and_a_restricted_topic_has_no_reader_but_its_owner() {
        ContractViolationException e = assertThrows(ContractViolationException.class, () -> parse(
                """
                        version: 1
                        topics:
                          - {name: cairn.a.b.v1, owner: nobody, payload: p, key: k, description: d, partitions: 1, retention: 1d}
                          - {name: cairn.a.c.v1, owner: ingest, readers: [ingest, somebody], payload: p, key: k, description: d, partitions: 1, retention: 1d}
                          - {name: cairn.a.d.v1, owner: ingest, readers: [identity], restricted: true, payload: p, key: k, description: d, partitions: 1, retention: 1d}
                        """));
        String message = e.getMessage();
        assertTrue(message.contains("topics[0].owner: 'nobody'"), message);
        assertTrue(message.contains("topics[1].readers: 'ingest' is named twice"), message);
        assertTrue(message.contains("topics[1].readers: 'somebody'"), message);
        assertTrue(message.contains("topics[2].readers: a restricted topic is read by its owner only"), message);
    }

    @Test
    void every_problem_of_a_bad_catalogue_is_reported_with_its_path() {
        ContractViolationException e = assertThrows(ContractViolationException.class, () -> parse(
                """
                        version: 1
                        topics:
                          - {name: Bad Name, owner: x, payload: p, key: k, description: d, partitions: 0, retention: soon, cleanup: shred}
                          - {name: cairn.a.b.v1, partitions: 1, retention: 1d}
                          - {name: cairn.a.b.v1, owner: x, payload: p, key: k, description: d, partitions: 1, retention: 1d}
                        """));
        String message = e.getMessage();
        assertTrue(message.contains("topics[0].name"), message);
        assertTrue(message.contains("topics[0].partitions"), message);
        assertTrue(message.contains("topics[0].retention: 'soon'"), message);
        assertTrue(message.contains("topics[0].cleanup: 'shred'"), message);
        assertTrue(message.contains("topics[1].owner: required"), message);
        assertTrue(message.contains("topics[2].name: duplicate topic cairn.a.b.v1"), message);
    }

    @Test
    void an_unknown_topic_is_a_loud_error() {
        TopicCatalog catalog = TopicCatalog.load(ContractSource.packaged());
        assertThrows(IllegalArgumentException.class, () -> catalog.topic("cairn.nope.v1"));
    }
}
