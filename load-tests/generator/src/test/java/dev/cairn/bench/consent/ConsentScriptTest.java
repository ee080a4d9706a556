package dev.cairn.bench.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.cairn.bench.consent.ConsentScript.Kind;
import dev.cairn.bench.consent.ConsentScript.Op;

class ConsentScriptTest {

    static final List<String> PURPOSES = List.of("analytics", "marketing_email", "advertising");
    static final List<String> JURISDICTIONS = List.of("EU", "default", "US-CA");

    static ConsentScript script(long seed, String prefix) {
        return ConsentScript.generate(seed, prefix, 20, 12, 60_000, 70_000, PURPOSES, JURISDICTIONS);
    }

    @Test
    void the_same_seed_replays_the_same_operations_and_another_seed_does_not() {
        assertEquals(script(42, "run1").ops, script(42, "run2").ops);
        assertNotEquals(script(42, "run1").ops, script(43, "run1").ops);
    }

    @Test
    void each_subject_logs_in_at_most_once_and_ends_with_a_probe_per_event_identifier_after_everything() {
        ConsentScript s = script(7, "p");
        for (ConsentScript.Subject subject : s.subjects) {
            List<Op> own = s.ops.stream().filter(o -> o.subject() == subject.index()).toList();
            assertEquals(14, own.size());
            assertTrue(own.stream().filter(o -> o.kind() == Kind.LOGIN).count() <= 1);
            List<Op> probes = own.subList(12, 14);
            assertTrue(probes.stream().allMatch(o -> o.probe() && o.kind() == Kind.EVENT && o.atMillis() == 70_000));
            assertEquals(List.of(ConsentScript.ANONYMOUS_ID, ConsentScript.USER_ID),
                    probes.stream().map(Op::namespace).toList());
            assertTrue(own.subList(0, 12).stream().allMatch(o -> !o.probe() && o.atMillis() < 60_000));
            assertTrue(JURISDICTIONS.contains(subject.jurisdiction()));
        }
        for (int i = 1; i < s.ops.size(); i++) {
            assertTrue(s.ops.get(i - 1).atMillis() <= s.ops.get(i).atMillis(), "in the order they are due");
        }
    }

    @Test
    void choices_use_the_given_purposes_and_every_identifier_kind_including_the_email() {
        ConsentScript s = script(11, "p");
        List<Op> choices = s.ops.stream().filter(o -> o.kind() == Kind.GRANT || o.kind() == Kind.WITHDRAW).toList();
        assertTrue(choices.stream().allMatch(o -> PURPOSES.contains(o.purpose())));
        for (String namespace : List.of(ConsentScript.ANONYMOUS_ID, ConsentScript.USER_ID, ConsentScript.EMAIL)) {
            assertTrue(choices.stream().anyMatch(o -> o.namespace().equals(namespace)), namespace);
        }
        for (Op o : choices) {
            ConsentScript.Subject subject = s.subjects.get(o.subject());
            assertTrue(subject.namespaces().contains(o.namespace()), "only identifiers the subject has");
        }
        assertTrue(s.ops.stream().anyMatch(o -> o.kind() == Kind.LOGIN));
        assertTrue(s.ops.stream().anyMatch(o -> o.kind() == Kind.EVENT && !o.probe()));
    }

    @Test
    void the_contracts_give_an_opt_in_and_an_opt_out_purpose_and_every_destinations_topic() throws Exception {
        ConsentContracts c = ConsentContracts.load(Path.of("../.."));
        assertEquals("default", c.defaultJurisdiction());
        assertEquals(ConsentContracts.Default.OPT_IN, c.rule("marketing_email", "default").orElseThrow());
        assertEquals(ConsentContracts.Default.OPT_OUT, c.rule("analytics", "default").orElseThrow());
        assertTrue(c.jurisdictions().containsAll(List.of("EU", "UK", "US-CA", "default")));
        assertTrue(c.destinations().contains(new ConsentContracts.Destination("email_marketing",
                "cairn.dest.email_marketing.v1", List.of("marketing_email"))));
        assertTrue(c.servedPurposes().containsAll(List.of("analytics", "marketing_email", "advertising")));
    }
}
