package dev.cairn.ingest.service;

import java.util.List;
import java.util.Map;

/**
 * Where governed events fan out (contracts/ingest/destinations.yaml): the consent purposes it serves, all of
 * which a subject must allow, and the action for each PII class.
 */
public record Destination(String name, String topic, List<String> purposes, Map<String, PiiAction> pii) {

    public enum PiiAction {
        KEEP, PSEUDONYMIZE, DROP
    }

    public PiiAction actionFor(String piiClass) {
        // A class the destination does not mention is dropped: new personal data never leaks by default.
        return pii.getOrDefault(piiClass, PiiAction.DROP);
    }
}
