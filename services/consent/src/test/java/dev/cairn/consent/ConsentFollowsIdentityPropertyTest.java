package dev.cairn.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.cairn.consent.service.StateDerivation;
import dev.cairn.consent.store.ConsentRecordEntity;
import dev.cairn.platform.consent.ConsentDecision;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.contracts.ContractSource;
import dev.cairn.proto.events.v1.Identifier;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * For random sequences of grants, withdrawals, identity merges and events, the decision the view makes for each
 * event agrees with a simple model of the rules — so no event whose purpose is withdrawn (or never granted under
 * opt-in) is let through once the state is published. The system side is the production code path: ledger
 * records → StateDerivation per profile → ConsentState protobuf bytes → ConsentStateView.apply → decide.
 */
class ConsentFollowsIdentityPropertyTest {

    private static final ConsentPolicy POLICY = ConsentPolicy.load(ContractSource.packaged());
    private static final List<String> IDS = List.of("anonymous_id:a1", "anonymous_id:a2", "user_id:u1", "email:e@x.io",
            "device_id:d1");
    private static final List<String> PURPOSES = List.of("analytics", "advertising");

    sealed interface Op permits Choice, Merge, Event {
    }

    record Choice(String id, String purpose, boolean grant, int second) implements Op {
    }

    record Merge(String a, String b) implements Op {
    }

    record Event(String id, String purpose, String jurisdiction) implements Op {
    }

    @Property(tries = 300)
    void no_event_passes_for_a_withdrawn_or_never_granted_opt_in_purpose(@ForAll("sequences") List<Op> ops) {
        ConsentStateView view = ConsentStateView.detached(POLICY);
        Map<String, String> profileOf = new HashMap<>();
        IDS.forEach(id -> profileOf.put(id, id));
        List<ConsentRecordEntity> ledger = new ArrayList<>();
        long[] version = {0};
        for (Op op : ops) {
            if (op instanceof Choice c) {
                ledger.add(record(c));
                republish(view, profileOf, ledger, profileOf.get(c.id()), version);
            } else if (op instanceof Merge m) {
                String survivor = profileOf.get(m.a());
                String absorbed = profileOf.get(m.b());
                profileOf.replaceAll((id, p) -> p.equals(absorbed) ? survivor : p);
                republish(view, profileOf, ledger, survivor, version);
            } else if (op instanceof Event e) {
                ConsentDecision.Decision d = view.decide(List.of(e.id()), e.purpose(), Optional.of(e.jurisdiction()));
                Optional<Boolean> latest = modelLatest(ledger, profileOf, e.id(), e.purpose());
                boolean optIn = POLICY.rule(e.purpose(), e.jurisdiction()).orElseThrow()
                        .defaultWhenUnrecorded() == ConsentPolicy.Default.OPT_IN;
                if (latest.isPresent() && !latest.get()) {
                    assertFalse(d.allowed(), "withdrawn, yet allowed: " + e + " after " + ops);
                }
                if (latest.isEmpty() && optIn) {
                    assertFalse(d.allowed(), "never granted under opt-in, yet allowed: " + e + " after " + ops);
                }
                assertEquals(latest.orElse(!optIn), d.allowed(), e + " after " + ops);
            }
        }
    }

    /** The model: the latest choice (a withdrawal wins a tie) of any identifier in the same profile. */
    static Optional<Boolean> modelLatest(List<ConsentRecordEntity> ledger, Map<String, String> profileOf, String id,
            String purpose) {
        ConsentRecordEntity best = null;
        for (ConsentRecordEntity r : ledger) {
            if (r.purpose.equals(purpose) && profileOf.get(r.subjectKey).equals(profileOf.get(id))) {
                if (best == null || r.occurredAt.isAfter(best.occurredAt)
                        || (r.occurredAt.equals(best.occurredAt) && !r.granted())) {
                    best = r;
                }
            }
        }
        return Optional.ofNullable(best).map(ConsentRecordEntity::granted);
    }

    /** What StateRepublisher does for one profile: derive from every member's records, publish per member. */
    static void republish(ConsentStateView view, Map<String, String> profileOf, List<ConsentRecordEntity> ledger,
            String profile, long[] version) {
        List<String> members = profileOf.entrySet().stream().filter(e -> e.getValue().equals(profile))
                .map(Map.Entry::getKey).toList();
        List<ConsentRecordEntity> records = ledger.stream().filter(r -> members.contains(r.subjectKey)).toList();
        for (String m : members) {
            int colon = m.indexOf(':');
            Identifier id = Identifier.newBuilder().setNamespace(m.substring(0, colon)).setValue(m.substring(colon + 1))
                    .build();
            view.apply(m, StateDerivation.state(id, profile, records, ++version[0], Instant.now()).toByteArray());
        }
    }

    static ConsentRecordEntity record(Choice c) {
        ConsentRecordEntity r = new ConsentRecordEntity();
        r.id = UUID.randomUUID();
        r.subjectKey = c.id();
        r.subjectNamespace = c.id().substring(0, c.id().indexOf(':'));
        r.subjectValue = c.id().substring(c.id().indexOf(':') + 1);
        r.purpose = c.purpose();
        r.jurisdiction = "EU";
        r.status = c.grant() ? "GRANTED" : "WITHDRAWN";
        r.policyVersion = POLICY.version();
        r.occurredAt = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(c.second());
        r.recordedAt = Instant.now();
        return r;
    }

    @Provide
    Arbitrary<List<Op>> sequences() {
        Arbitrary<String> id = Arbitraries.of(IDS);
        Arbitrary<String> purpose = Arbitraries.of(PURPOSES);
        // Few distinct seconds, so ties (same time, different choice) happen often.
        Arbitrary<Op> choice = Combinators
                .combine(id, purpose, Arbitraries.of(true, false), Arbitraries.integers().between(0, 5))
                .as(Choice::new);
        Arbitrary<Op> merge = Combinators.combine(id, id).as(Merge::new);
        Arbitrary<Op> event = Combinators.combine(id, purpose, Arbitraries.of("EU", "US-CA", "default")).as(Event::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, choice), net.jqwik.api.Tuple.of(2, merge), net.jqwik.api.Tuple.of(5, event))
                .list().ofMinSize(1).ofMaxSize(40);
    }
}
