package dev.cairn.consentagreement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.cairn.consent.service.ConsentDecider;
import dev.cairn.consent.service.StateDerivation;
import dev.cairn.consent.store.ConsentRecordEntity;
import dev.cairn.ingest.service.ConsentGate;
import dev.cairn.ingest.service.Destination;
import dev.cairn.ingest.service.Identifiers;
import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.consent.SubjectConsent;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.service.ProfileEngine;
import dev.cairn.segments.service.ProfileState;
import dev.cairn.segments.service.ProfileStateCodec;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Ingest's consent gate, consent's Decide and segments' engine give the same allow/deny, each called as its service
 * calls it. For a generated policy, consent records on four identifiers (linked into profiles or not, some profiles
 * erased, some identifiers' published state derived before the latest records, as while consent republishes) and
 * a purpose, the states are derived by consent's own {@link StateDerivation} and published as protobuf bytes; then
 *
 * <ul>
 * <li>ingest: the consent view fed those bytes, and {@link ConsentGate} for an event carrying the identifiers (the
 * erasure check first, then the destination's purpose; the source's jurisdiction is the policy's default);</li>
 * <li>consent: the same view, and {@link ConsentDecider#decide} for a query without a jurisdiction;</li>
 * <li>segments: {@link ProfileEngine#onConsent} with each state as segments decodes it, the profile state written
 * and read back as the state store does, then {@link ProfileEngine#consentAllows}.</li>
 * </ul>
 *
 * For every single identifier all three agree; for every profile, ingest (an event carrying all its identifiers)
 * and segments (the profile) agree, and when no state of the profile lags, Decide on each identifier agrees too.
 */
class ConsentCallersAgreeTest {

    static final List<String> PURPOSES = List.of("analytics", "personalization", "advertising");
    static final List<String> JURISDICTIONS = List.of("default", "EU", "US-CA");
    /** Where a record says it was made: a jurisdiction of the policy, one it has no rule for, or none said. */
    static final List<String> RECORDED_JURISDICTIONS = List.of("default", "EU", "US-CA", "Mars", "");
    /** One identifier per namespace, so that one event can carry any set of them. */
    static final List<String> IDS = List.of("user_id:u1", "anonymous_id:a1", "email:e1@example.org",
            "phone:+15550001");
    static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    /** A grant or withdrawal on {@code IDS.get(id)}; few distinct seconds, so ties are common. */
    record Rec(int id, String purpose, String jurisdiction, boolean granted, int second) {
    }

    /**
     * @param rules per purpose × jurisdiction (purpose-major), opt_in / opt_out / deny
     * @param profileOf the profile of each identifier (identifiers with the same number are linked)
     * @param erasure per profile; 0 means consent erased it (tombstones for each of its identifiers)
     * @param lagging per identifier; ≥ 0: its published state was derived from the first that many records only
     */
    record Scenario(List<String> rules, String defaultJurisdiction, List<Rec> records, List<Integer> profileOf,
            List<Integer> erasure, List<Integer> lagging, String purpose) {

        ConsentPolicy policy() {
            StringBuilder y = new StringBuilder("version: \"generated\"\ndefault_jurisdiction: " + defaultJurisdiction
                    + "\nlegal_bases: [consent]\npurposes:\n");
            PURPOSES.forEach(p -> y.append("  ").append(p).append(": { description: generated }\n"));
            y.append("jurisdictions:\n");
            for (int j = 0; j < JURISDICTIONS.size(); j++) {
                y.append("  ").append(JURISDICTIONS.get(j)).append(":\n    description: generated\n    rules:\n");
                for (int p = 0; p < PURPOSES.size(); p++) {
                    y.append("      ").append(PURPOSES.get(p)).append(": { basis: consent, default: ")
                            .append(rules.get(p * JURISDICTIONS.size() + j)).append(" }\n");
                }
            }
            try {
                return ConsentPolicy.parse(new YAMLMapper().readTree(y.toString()), "generated policy");
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }

        boolean erased(int id) {
            return erasure.get(profileOf.get(id)) == 0;
        }

        List<Integer> profile(int id) {
            return IntStream.range(0, IDS.size()).filter(i -> profileOf.get(i).equals(profileOf.get(id))).boxed()
                    .toList();
        }
    }

    @Property(tries = 1000)
    void ingest_consent_and_segments_decide_alike(@ForAll("scenarios") Scenario s) {
        ConsentPolicy policy = s.policy();
        Map<Integer, byte[]> published = publish(s, policy);
        ConsentStateView view = ConsentStateView.detached(policy);
        published.forEach((id, bytes) -> view.apply(IDS.get(id), bytes));
        ConsentGate gate = new ConsentGate(view);
        ConsentDecider decider = new ConsentDecider(view, policy, new SimpleMeterRegistry());
        ProfileEngine engine = new ProfileEngine(new SegmentCatalog(List.of()), Duration.ofHours(1),
                Duration.ofHours(1), policy);

        for (int id = 0; id < IDS.size(); id++) {
            boolean ingest = ingest(gate, List.of(id), s.purpose(), policy);
            boolean consent = decide(decider, id, s.purpose());
            boolean segments = segments(engine, published, List.of(id), s.purpose());
            String why = IDS.get(id) + " for " + s.purpose() + " in " + s;
            assertEquals(ingest, consent, "ingest and consent disagree on " + why);
            assertEquals(ingest, segments, "ingest and segments disagree on " + why);
        }
        for (int id = 0; id < IDS.size(); id++) {
            List<Integer> profile = s.profile(id);
            boolean ingest = ingest(gate, profile, s.purpose(), policy);
            String why = "profile " + profile.stream().map(IDS::get).toList() + " for " + s.purpose() + " in " + s;
            assertEquals(ingest, segments(engine, published, profile, s.purpose()),
                    "ingest and segments disagree on " + why);
            if (profile.stream().allMatch(i -> s.lagging().get(i) < 0)) {
                for (int member : profile) {
                    assertEquals(ingest, decide(decider, member, s.purpose()),
                            "Decide on " + IDS.get(member) + " disagrees with the profile's answer: " + why);
                }
            }
        }
    }

    /** What consent publishes per identifier: the state derived over its profile's records, or a tombstone. */
    static Map<Integer, byte[]> publish(Scenario s, ConsentPolicy policy) {
        List<ConsentRecordEntity> ledger = new ArrayList<>();
        for (int i = 0; i < s.records().size(); i++) {
            ledger.add(entity(s.records().get(i), i, policy));
        }
        Map<Integer, byte[]> published = new LinkedHashMap<>();
        long version = 0;
        for (int id = 0; id < IDS.size(); id++) {
            if (s.erased(id)) {
                published.put(id, null);
                continue;
            }
            List<String> members = s.profile(id).stream().map(IDS::get).toList();
            int upTo = s.lagging().get(id) < 0 ? ledger.size() : Math.min(s.lagging().get(id), ledger.size());
            List<ConsentRecordEntity> seen = ledger.subList(0, upTo).stream()
                    .filter(r -> members.contains(r.subjectKey)).toList();
            published.put(id, StateDerivation
                    .state(identifier(IDS.get(id)), "profile-" + s.profileOf().get(id), seen, ++version, T0)
                    .toByteArray());
        }
        return published;
    }

    /** Ingest's pipeline for an event carrying these identifiers, for a destination serving the purpose. */
    static boolean ingest(ConsentGate gate, List<Integer> ids, String purpose, ConsentPolicy policy) {
        List<Identifier> identifiers = Identifiers.of(event(ids));
        Destination destination = new Destination("generated", "cairn.dest.generated.v1", List.of(purpose),
                Map.of());
        return !gate.erased(identifiers)
                && gate.decide(identifiers, destination, policy.defaultJurisdiction()).getForwarded();
    }

    /** Consent's Decide (its service layer) for one identifier, without a jurisdiction. */
    static boolean decide(ConsentDecider decider, int id, String purpose) {
        Identifier subject = identifier(IDS.get(id));
        return decider.decide(List.of(DecisionQuery.newBuilder().setSubject(subject).setPurpose(purpose).build()))
                .get(0).getAllowed();
    }

    /** Segments' engine for a profile holding these identifiers' states, stored and read back between inputs. */
    static boolean segments(ProfileEngine engine, Map<Integer, byte[]> published, List<Integer> ids, String purpose) {
        ProfileState state = new ProfileState("profile");
        long at = T0.toEpochMilli();
        for (int id : ids) {
            byte[] bytes = published.get(id);
            engine.onConsent(state, IDS.get(id), bytes == null ? null : SubjectConsent.parse(bytes), at, at);
            state = ProfileStateCodec.decode(ProfileStateCodec.encode(state));
            at++;
        }
        return engine.consentAllows(state, purpose);
    }

    static EventInput event(List<Integer> ids) {
        EventInput.Builder e = EventInput.newBuilder().setType(EventType.EVENT_TYPE_TRACK).setEvent("Generated");
        MapValue.Builder traits = MapValue.newBuilder();
        for (int id : ids) {
            String key = IDS.get(id);
            String value = key.substring(key.indexOf(':') + 1);
            switch (key.substring(0, key.indexOf(':'))) {
                case "user_id" -> e.setUserId(value);
                case "anonymous_id" -> e.setAnonymousId(value);
                default -> traits.putFields(key.substring(0, key.indexOf(':')),
                        Value.newBuilder().setStringValue(value).build());
            }
        }
        return e.setTraits(traits).build();
    }

    static ConsentRecordEntity entity(Rec rec, int index, ConsentPolicy policy) {
        String key = IDS.get(rec.id());
        ConsentRecordEntity r = new ConsentRecordEntity();
        r.id = new UUID(0, index);
        r.subjectKey = key;
        r.subjectNamespace = key.substring(0, key.indexOf(':'));
        r.subjectValue = key.substring(key.indexOf(':') + 1);
        r.purpose = rec.purpose();
        r.jurisdiction = rec.jurisdiction();
        r.status = rec.granted() ? "GRANTED" : "WITHDRAWN";
        r.policyVersion = policy.version();
        r.occurredAt = T0.plusSeconds(rec.second());
        r.recordedAt = T0.plusSeconds(60 + index);
        return r;
    }

    static Identifier identifier(String key) {
        return Identifier.newBuilder().setNamespace(key.substring(0, key.indexOf(':')))
                .setValue(key.substring(key.indexOf(':') + 1)).build();
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<List<String>> rules = Arbitraries.of("opt_in", "opt_out", "deny").list()
                .ofSize(PURPOSES.size() * JURISDICTIONS.size());
        Arbitrary<Rec> record = Combinators
                .combine(Arbitraries.integers().between(0, IDS.size() - 1), Arbitraries.of(PURPOSES),
                        Arbitraries.of(RECORDED_JURISDICTIONS), Arbitraries.of(true, false),
                        Arbitraries.integers().between(0, 3))
                .as(Rec::new);
        Arbitrary<List<Integer>> profiles = Arbitraries.integers().between(0, IDS.size() - 1).list()
                .ofSize(IDS.size());
        // About one profile in eight erased; about one identifier in three publishing a lagging state.
        Arbitrary<List<Integer>> erasure = Arbitraries.integers().between(0, 7).list().ofSize(IDS.size());
        Arbitrary<List<Integer>> lagging = Arbitraries.integers().between(-16, 8).list().ofSize(IDS.size());
        return Combinators.combine(rules, Arbitraries.of(JURISDICTIONS), record.list().ofMaxSize(10), profiles,
                erasure, lagging, Arbitraries.of(PURPOSES)).as(Scenario::new);
    }
}
