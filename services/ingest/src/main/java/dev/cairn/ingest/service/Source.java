package dev.cairn.ingest.service;

/**
 * A source of events from contracts/ingest/sources.yaml.
 *
 * @param blockOnViolation true: an event breaking its contract is quarantined; false: forwarded with its
 *        violations attached
 * @param rateLimitPerSecond events per second per ingest instance before backpressure; 0 = unlimited
 * @param defaultJurisdiction for the consent gate when neither the consent record nor the event says
 */
public record Source(String id, String description, boolean blockOnViolation, int rateLimitPerSecond,
        String defaultJurisdiction) {
}
