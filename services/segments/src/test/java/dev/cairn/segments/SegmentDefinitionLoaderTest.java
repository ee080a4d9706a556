package dev.cairn.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.platform.contracts.ContractViolationException;
import dev.cairn.segments.definition.Condition;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinitionLoader;

/** The CI check of contracts/segments/: the reviewed file loads, and a broken one fails with a clear message. */
class SegmentDefinitionLoaderTest {

    static SegmentCatalog parse(String yaml) throws Exception {
        return new SegmentDefinitionLoader(Duration.ofHours(1)).parse(
                new ObjectMapper(new YAMLFactory()).readTree(yaml),
                "segments.yaml");
    }

    @Test
    void the_definitions_in_the_repository_are_valid() {
        SegmentCatalog catalog = SegmentDefinitionLoader.load(ContractSource.directory(Path.of("../../contracts")),
                Duration.ofHours(1));
        assertTrue(catalog.get("repeat_buyers").isPresent());
        assertEquals(Duration.ofDays(90), catalog.longestWindow());
        var big = (Condition.EventCondition) catalog.get("big_spenders").orElseThrow().condition();
        assertEquals(Condition.Measure.SUM, big.measure());
        assertEquals("total", big.property());
        ConsentPolicy policy = ConsentPolicy.load(ContractSource.directory(Path.of("../../contracts")));
        assertEquals(java.util.List.of(), catalog.purposesUnknownTo(policy),
                "every segment serves a purpose of the consent policy");
    }

    /** The event names of the shipped tracking plan, as ingest reads them. */
    static java.util.Set<String> plannedEvents() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        ContractSource.directory(Path.of("../../contracts")).read("tracking-plan/plan.yaml").path("events")
                .forEach(e -> names.add(e.path("name").asText()));
        return names;
    }

    @Test
    void the_shipped_segments_count_only_events_the_shipped_tracking_plan_lists() {
        SegmentCatalog catalog = SegmentDefinitionLoader.load(ContractSource.directory(Path.of("../../contracts")),
                Duration.ofHours(1));
        java.util.Set<String> planned = plannedEvents();
        assertTrue(planned.contains("Order Completed"), "the plan was read: " + planned);
        assertEquals(java.util.List.of(), catalog.eventsUnknownTo(planned),
                "a condition naming an event the plan does not list is never true");
    }

    @Test
    void a_segment_or_computed_trait_counting_an_unplanned_event_is_named() throws Exception {
        var problems = parse("""
                segments:
                  - id: buyers
                    version: 1
                    purpose: analytics
                    condition: { event: order_completed, within: 1d, count: { gte: 1 } }
                computed_traits:
                  - { name: orders, version: 1, event: Checkout Done, within: 1d, count: {} }
                """).eventsUnknownTo(plannedEvents());
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("segment 'buyers': event 'order_completed' is not in the tracking plan"),
                problems.get(0));
        assertTrue(problems.get(1).startsWith("computed trait 'orders': event 'Checkout Done' is not in the tracking"),
                problems.get(1));
    }

    @Test
    void a_segment_serving_a_purpose_the_consent_policy_lacks_is_named() throws Exception {
        ConsentPolicy policy = ConsentPolicy.load(ContractSource.directory(Path.of("../../contracts")));
        var problems = parse("""
                segments:
                  - { id: lookalikes, version: 1, purpose: profiling, condition: { trait: plan, eq: pro } }
                """).purposesUnknownTo(policy);
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("segment 'lookalikes': purpose 'profiling' is not in the consent policy"),
                problems.get(0));
    }

    @Test
    void only_opt_out_purposes_of_the_default_jurisdiction_are_allowed_when_nothing_was_recorded() throws Exception {
        var engine = new dev.cairn.segments.service.ProfileEngine(parse("segments: []"), Duration.ofHours(1),
                Duration.ofHours(1), ConsentPolicy.load(ContractSource.directory(Path.of("../../contracts"))));
        var nothingRecorded = new dev.cairn.segments.service.ProfileState("p");
        assertTrue(engine.consentAllows(nothingRecorded, "analytics"), "analytics is opt-out by default");
        assertFalse(engine.consentAllows(nothingRecorded, "personalization"), "personalization is opt-in by default");
        assertFalse(engine.consentAllows(nothingRecorded, "advertising"));
        assertFalse(engine.consentAllows(nothingRecorded, "not_a_purpose"), "unknown purposes fail closed");
    }

    @Test
    void an_invalid_definition_fails_with_every_problem_and_its_path() {
        var e = assertThrows(ContractViolationException.class, () -> parse("""
                segments:
                  - id: Bad-Id
                    version: 0
                    purpose: personalization
                    condition:
                      all:
                        - { event: a, within: 30 days, count: { gte: 2 } }
                        - { event: b, within: 7d, sum: { property: total, eq: pro } }
                        - { trait: plan, gt: pro }
                        - { event: c, within: 7d }
                        - { weird: 1 }
                  - id: ok
                    version: 1
                    purpose: analytics
                    condition: { trait: plan, eq: pro }
                  - id: ok
                    version: 1
                    purpose: analytics
                    condition: { trait: plan, eq: pro }
                """));
        String m = e.getMessage();
        assertTrue(m.contains("segments[0].id: 'Bad-Id' must be lower snake case"), m);
        assertTrue(m.contains("segments[0].version: required, a positive integer"), m);
        assertTrue(
                m.contains("segments[0].condition.all[0].within: required, a duration like 12h or 30d (got '30 days')"),
                m);
        assertTrue(m.contains("segments[0].condition.all[1].sum: sum compares with a number"), m);
        assertTrue(m.contains("segments[0].condition.all[2].gt: gt needs a number"), m);
        assertTrue(m.contains("segments[0].condition.all[3]: an event condition needs exactly one of count, sum, last"),
                m);
        assertTrue(m.contains("segments[0].condition.all[4]: a condition needs one of all, any, not, trait, event"), m);
        assertTrue(m.contains("segments[2].id: 'ok' is defined twice"), m);
    }

    @Test
    void a_window_that_is_not_whole_buckets_is_refused() {
        var e = assertThrows(ContractViolationException.class, () -> new SegmentDefinitionLoader(Duration.ofHours(2))
                .parse(new ObjectMapper(new YAMLFactory()).readTree("""
                        segments:
                          - id: odd
                            version: 1
                            purpose: analytics
                            condition: { event: a, within: 3h, count: { gte: 1 } }
                        """), "segments.yaml"));
        assertTrue(
                e.getMessage()
                        .contains("segments[0].condition.within: 3h is not a whole number of aggregation buckets"),
                e.getMessage());
    }

    @Test
    void an_unknown_key_is_named_rather_than_ignored() {
        var e = assertThrows(ContractViolationException.class, () -> parse("""
                segments:
                  - id: typo
                    version: 1
                    purpose: analytics
                    condition: { event: a, within: 1d, count: { gte: 1 }, widthin: 2d }
                """));
        assertTrue(e.getMessage().contains("segments[0].condition.widthin: unknown key"), e.getMessage());
    }
}
