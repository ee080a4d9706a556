package dev.cairn.consent.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.Timestamp;

import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.events.v1.ConsentStatus;

/**
 * Checks a batch of consent records against the policy before anything is written: every problem of every
 * record is reported at once, and one bad record fails the whole batch.
 */
public final class RecordValidator {

    public static final int MAX_RECORDS = 1000;

    private RecordValidator() {
    }

    public static void validate(ConsentPolicy policy, List<ConsentRecordInput> records) {
        List<FieldViolation> problems = new ArrayList<>();
        if (records.isEmpty()) {
            problems.add(new FieldViolation("records", "must not be empty"));
        } else if (records.size() > MAX_RECORDS) {
            problems.add(new FieldViolation("records", "at most " + MAX_RECORDS + " per call, got " + records.size()));
        }
        // subject|purpose|time -> index of the first record, to find conflicting records in the batch
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < records.size() && i < MAX_RECORDS; i++) {
            ConsentRecordInput r = records.get(i);
            String at = "records[" + i + "]";
            boolean subjectOk = true;
            if (!r.hasSubject() || r.getSubject().getNamespace().isBlank()) {
                problems.add(
                        new FieldViolation(at + ".subject.namespace", "required (e.g. user_id, anonymous_id, email)"));
                subjectOk = false;
            }
            if (!r.hasSubject() || r.getSubject().getValue().isBlank()) {
                problems.add(new FieldViolation(at + ".subject.value", "required: the identifier's value"));
                subjectOk = false;
            }
            boolean purposeOk = policy.isPurpose(r.getPurpose());
            if (r.getPurpose().isBlank()) {
                problems.add(new FieldViolation(at + ".purpose", "required; one of " + sorted(policy.purposes())));
            } else if (!purposeOk) {
                problems.add(new FieldViolation(at + ".purpose",
                        "unknown purpose '" + r.getPurpose() + "'; one of " + sorted(policy.purposes())));
            }
            if (!r.getJurisdiction().isBlank() && !policy.isJurisdiction(r.getJurisdiction())) {
                problems.add(new FieldViolation(at + ".jurisdiction", "unknown jurisdiction '" + r.getJurisdiction()
                        + "'; one of " + sorted(policy.jurisdictions()) + ", or empty for the default"));
            }
            if (r.getStatus() != ConsentStatus.CONSENT_STATUS_GRANTED
                    && r.getStatus() != ConsentStatus.CONSENT_STATUS_WITHDRAWN) {
                problems.add(new FieldViolation(at + ".status", "required: GRANTED or WITHDRAWN"));
            }
            if (r.getSource().isBlank()) {
                problems.add(new FieldViolation(at + ".source", "required: where the choice was captured"));
            }
            if (!r.getLegalBasis().isBlank() && !policy.isLegalBasis(r.getLegalBasis())) {
                problems.add(
                        new FieldViolation(at + ".legal_basis", "unknown legal basis '" + r.getLegalBasis() + "'"));
            }
            if (r.hasOccurredAt() && (r.getOccurredAt().getSeconds() <= 0 || r.getOccurredAt().getNanos() < 0)) {
                problems.add(new FieldViolation(at + ".occurred_at", "must be a time after 1970"));
            }
            // Beyond what a protobuf Timestamp may hold (9999-12-31T23:59:59.999999999Z) the ledger stored the year
            // 318857 as it came, and such a choice, the latest forever, would outweigh every later one.
            if (r.hasOccurredAt() && (r.getOccurredAt().getSeconds() > 253_402_300_799L
                    || r.getOccurredAt().getNanos() > 999_999_999)) {
                problems.add(new FieldViolation(at + ".occurred_at", "must be a time before the year 10000"));
            }
            if (subjectOk && purposeOk) {
                String key = SubjectKeys.key(r.getSubject().getNamespace(), r.getSubject().getValue()) + "|"
                        + r.getPurpose() + "|" + time(r);
                Integer first = seen.putIfAbsent(key, i);
                if (first != null && records.get(first).getStatus() != r.getStatus()) {
                    problems.add(new FieldViolation(at, "conflicts with records[" + first
                            + "]: same subject, purpose and time with a different status; send one choice"));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
    }

    private static String time(ConsentRecordInput r) {
        // Records without occurred_at all get the same recording time, so they conflict with each other too.
        Timestamp t = r.getOccurredAt();
        return r.hasOccurredAt() ? t.getSeconds() + "." + t.getNanos() : "now";
    }

    private static List<String> sorted(java.util.Collection<String> values) {
        return values.stream().sorted().toList();
    }
}
