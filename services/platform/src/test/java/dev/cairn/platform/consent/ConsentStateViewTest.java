package dev.cairn.platform.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.google.protobuf.CodedOutputStream;

import dev.cairn.platform.consent.ConsentDecision.Decision;
import dev.cairn.platform.consent.ConsentDecision.Reason;
import dev.cairn.platform.contracts.ContractSource;

/** Decisions from the view, fed by hand with ConsentState values encoded as consent encodes them. */
class ConsentStateViewTest {

    private final ConsentStateView view = ConsentStateView.detached(ConsentPolicy.load(ContractSource.packaged()));

    @Test
    void nothing_recorded_applies_the_jurisdictions_default() {
        assertEquals(new Decision(false, Reason.DEFAULT, view.policy().version(), "EU", "", "", Optional.empty()),
                view.decide(List.of("user_id:u1"), "analytics", Optional.of("EU")));
        assertTrue(view.decide(List.of("user_id:u1"), "analytics", Optional.of("US-CA")).allowed());
        assertEquals("default", view.decide(List.of("user_id:u1"), "analytics", Optional.empty()).jurisdiction());
    }

    @Test
    void unknown_purpose_or_jurisdiction_fails_closed_with_reason_policy() {
        view.apply("user_id:u2", state("user_id", "u2", 1, choice("analytics", "EU", true, 100, "r1")));
        Decision unknownPurpose = view.decide(List.of("user_id:u2"), "telepathy", Optional.of("EU"));
        assertFalse(unknownPurpose.allowed());
        assertEquals(Reason.POLICY, unknownPurpose.reason());
        Decision unknownJurisdiction = view.decide(List.of("user_id:u2"), "analytics", Optional.of("Mars"));
        assertFalse(unknownJurisdiction.allowed());
        assertEquals(Reason.POLICY, unknownJurisdiction.reason());
    }

    @Test
    void data_in_flight_is_decided_under_the_records_jurisdiction_else_the_events_and_never_re_decided()
            throws Exception {
        // A policy where EU denies advertising outright, and the default jurisdiction allows it until withdrawn.
        ConsentPolicy policy = ConsentPolicy.parse(new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree("""
                version: "t-1"
                default_jurisdiction: default
                legal_bases: [consent, notice]
                purposes:
                  advertising: { description: ads }
                jurisdictions:
                  EU:
                    description: EU
                    rules:
                      advertising: { basis: consent, default: deny }
                  default:
                    description: elsewhere
                    rules:
                      advertising: { basis: notice, default: opt_out }
                """), "test policy");
        ConsentStateView strict = ConsentStateView.detached(policy);
        strict.apply("user_id:eu", state("user_id", "eu", 1, choice("advertising", "EU", true, 100, "r-eu")));
        Decision recordedInEu = strict.decideAsRecorded(List.of("user_id:eu"), "advertising", "default");
        assertFalse(recordedInEu.allowed(), "a grant recorded where the purpose is denied is not allowed elsewhere");
        assertEquals(Reason.POLICY, recordedInEu.reason());
        assertEquals("EU", recordedInEu.jurisdiction());

        Decision nothingRecorded = strict.decideAsRecorded(List.of("user_id:new"), "advertising", "EU");
        assertEquals(Reason.POLICY, nothingRecorded.reason(), "nothing recorded: the event's jurisdiction applies");
        assertEquals("EU", nothingRecorded.jurisdiction());
        Decision noEventJurisdiction = strict.decideAsRecorded(List.of("user_id:new"), "advertising", "");
        assertTrue(noEventJurisdiction.allowed(), "else the policy's default jurisdiction: " + noEventJurisdiction);
        assertEquals(Reason.DEFAULT, noEventJurisdiction.reason());
    }

    @Test
    void the_latest_explicit_choice_of_any_given_identifier_decides() {
        view.apply("anonymous_id:a3", state("anonymous_id", "a3", 1, choice("analytics", "EU", false, 200, "r-w")));
        view.apply("user_id:u3", state("user_id", "u3", 2, choice("analytics", "EU", true, 100, "r-g")));
        Decision d = view.decide(List.of("user_id:u3", "anonymous_id:a3"), "analytics", Optional.empty());
        assertFalse(d.allowed(), "the later withdrawal made while anonymous holds");
        assertEquals(Reason.EXPLICIT_CHOICE, d.reason());
        assertEquals("r-w", d.recordId());
        assertEquals("EU", d.jurisdiction(), "the jurisdiction of the deciding record applies when none is asked");
        assertEquals("anonymous_id:a3", d.decidedBy());
    }

    @Test
    void an_identifier_listed_on_the_suppression_topic_is_erased_whatever_its_state_says() {
        ConsentStateView suppressing = ConsentStateView.detached(view.policy(),
                Optional.of(new ConsentStateView.Suppression("cairn.privacy.suppression.v1", "secret-1")));
        suppressing.apply("user_id:u9", state("user_id", "u9", 3, choice("analytics", "EU", true, 100, "r9")));
        assertTrue(suppressing.decide(List.of("user_id:u9"), "analytics", Optional.empty()).allowed());

        suppressing.suppress(SubjectKeys.suppressionHash("user_id:u9", "secret-1"), true);
        assertTrue(suppressing.erased("user_id:u9"));
        assertEquals(Reason.ERASED,
                suppressing.decide(List.of("anonymous_id:a9", "user_id:u9"), "analytics", Optional.empty()).reason());
        assertFalse(suppressing.erased("user_id:u10"), "only the listed identifier");
        suppressing.suppress(SubjectKeys.suppressionHash("user_id:u11", "another-secret"), true);
        assertFalse(suppressing.erased("user_id:u11"), "a hash made with another secret matches nothing");
    }

    @Test
    void a_stale_state_version_does_not_undo_a_newer_one_and_a_tombstone_erases() {
        view.apply("user_id:u4", state("user_id", "u4", 5, choice("analytics", "EU", false, 300, "new")));
        view.apply("user_id:u4", state("user_id", "u4", 4, choice("analytics", "EU", true, 100, "old")));
        assertEquals("new", view.decide(List.of("user_id:u4"), "analytics", Optional.empty()).recordId());
        view.apply("user_id:u4", null);
        Decision erased = view.decide(List.of("user_id:u4"), "analytics", Optional.of("US-CA"));
        assertFalse(erased.allowed());
        assertEquals(Reason.ERASED, erased.reason());
    }

    // --- a minimal encoder of cairn.events.v1.ConsentState (the consent service's tests use the generated one)

    @Test
    void an_unreadable_record_is_skipped_and_counted_and_neither_stops_the_view_nor_changes_what_it_holds() {
        String topic = view.topic();
        String key = "user_id:garbled";
        var granted = new org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>(topic, 0, 0, key,
                state("user_id", "garbled", 1, choice("marketing_email", "EU", true, 100, "r-1")));
        assertTrue(view.applyRecord(granted));
        assertTrue(view.decide(List.of(key), "marketing_email", Optional.of("EU")).allowed());

        var garbage = new org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>(topic, 0, 1, key,
                new byte[]{(byte) 0xff, 0x01, 0x02});
        var noKey = new org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>(topic, 0, 2, null,
                new byte[]{1});
        assertFalse(view.applyRecord(garbage));
        assertFalse(view.applyRecord(noKey));
        assertEquals(2, view.unreadableRecords());
        assertFalse(view.erased(key), "garbage is no tombstone");
        assertTrue(view.decide(List.of(key), "marketing_email", Optional.of("EU")).allowed(), "the held state stays");

        var withdrawn = new org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>(topic, 0, 3, key,
                state("user_id", "garbled", 2, choice("marketing_email", "EU", false, 200, "r-2")));
        assertTrue(view.applyRecord(withdrawn), "the next readable value is applied");
        assertFalse(view.decide(List.of(key), "marketing_email", Optional.of("EU")).allowed());
    }

    static byte[] choice(String purpose, String jurisdiction, boolean granted, long seconds, String recordId) {
        return message(out -> {
            out.writeString(1, purpose);
            out.writeString(2, jurisdiction);
            out.writeEnum(3, granted ? 1 : 2);
            out.writeEnum(4, 1);
            out.writeString(5, "v");
            out.writeByteArray(6, message(t -> t.writeInt64(1, seconds)));
            out.writeString(7, recordId);
            out.writeByteArray(8, message(i -> {
                i.writeString(1, "anonymous_id".equals(jurisdiction) ? "" : "anonymous_id");
                i.writeString(2, "a3");
            }));
        });
    }

    static byte[] state(String ns, String value, long version, byte[]... purposes) {
        return message(out -> {
            out.writeByteArray(1, message(i -> {
                i.writeString(1, ns);
                i.writeString(2, value);
            }));
            for (byte[] p : purposes) {
                out.writeByteArray(3, p);
            }
            out.writeInt64(4, version);
            out.writeByteArray(5, message(t -> t.writeInt64(1, Instant.now().getEpochSecond())));
        });
    }

    interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    static byte[] message(Writer w) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            w.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
