package dev.cairn.consent.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.cairn.platform.consent.ConsentPolicy;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.events.v1.ConsentSignal;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.PurposeSignal;

/**
 * Turns a consent signal captured by ingest into ledger records: per identifier of the event, one record per
 * purpose, from the purposes ingest mapped (or, if it mapped none, the event's categoryPreferences mapped by the
 * policy), and a withdrawal of the jurisdiction's Sec-GPC purposes when the request carried {@code Sec-GPC: 1}.
 * GPC is an opt-out, so it overrides a grant for the same purpose in the same event. Pure.
 */
public final class SignalRecords {

    private SignalRecords() {
    }

    public static List<ConsentRecordInput> of(ConsentSignal signal, ConsentPolicy policy) {
        String jurisdiction = policy.isJurisdiction(signal.getJurisdictionHint())
                ? signal.getJurisdictionHint()
                : policy.defaultJurisdiction();
        Map<String, ConsentStatus> statuses = new LinkedHashMap<>();
        if (signal.getPurposesCount() > 0) {
            for (PurposeSignal p : signal.getPurposesList()) {
                if (policy.isPurpose(p.getPurpose()) && p.getStatus() != ConsentStatus.CONSENT_STATUS_UNSPECIFIED) {
                    statuses.merge(p.getPurpose(), p.getStatus(), SignalRecords::withdrawalWins);
                }
            }
        } else {
            signal.getCategoryPreferencesMap().forEach((category, allowed) -> {
                for (String purpose : policy.purposesOfCategory(category)) {
                    statuses.merge(purpose,
                            allowed ? ConsentStatus.CONSENT_STATUS_GRANTED : ConsentStatus.CONSENT_STATUS_WITHDRAWN,
                            SignalRecords::withdrawalWins);
                }
            });
        }
        if (signal.getGlobalPrivacyControl()) {
            for (String purpose : policy.gpcOptOut(jurisdiction)) {
                statuses.put(purpose, ConsentStatus.CONSENT_STATUS_WITHDRAWN);
            }
        }
        List<ConsentRecordInput> records = new ArrayList<>();
        for (Identifier id : signal.getIdentifiersList()) {
            if (id.getNamespace().isBlank() || id.getValue().isBlank()) {
                continue;
            }
            statuses.forEach((purpose, status) -> {
                ConsentRecordInput.Builder r = ConsentRecordInput.newBuilder().setSubject(id).setPurpose(purpose)
                        .setJurisdiction(jurisdiction).setStatus(status)
                        .setSource(signal.getSourceId().isEmpty() ? "event" : signal.getSourceId())
                        .setClientRecordId(
                                "signal:" + signal.getSourceId() + "/" + signal.getMessageId() + "/" + purpose);
                if (signal.hasOccurredAt()) {
                    r.setOccurredAt(signal.getOccurredAt());
                }
                records.add(r.build());
            });
        }
        return records;
    }

    private static ConsentStatus withdrawalWins(ConsentStatus a, ConsentStatus b) {
        return a == ConsentStatus.CONSENT_STATUS_WITHDRAWN || b == ConsentStatus.CONSENT_STATUS_WITHDRAWN
                ? ConsentStatus.CONSENT_STATUS_WITHDRAWN
                : a;
    }
}
