package dev.cairn.bench.scenario;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

import dev.cairn.bench.support.Grpc;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc.IngestServiceBlockingStub;

/**
 * Consent withdrawal → enforced at ingest. Per trial, a fresh subject grants the purpose, and ingest is
 * seen forwarding its events to the destination serving it; then the subject withdraws (RecordConsent) and
 * one event is sent every probe interval until ingest's answer lists the destination as suppressed. The
 * figure is the time from sending the withdrawal to sending the first probe that was suppressed; it is
 * exact to the probe interval.
 */
public final class ConsentWithdrawal implements Scenario {

    @Override
    public String name() {
        return "consent-withdrawal";
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        int trials = p.integer("trials");
        String purpose = p.string("purpose");
        String destination = p.string("destination");
        String jurisdiction = p.string("jurisdiction");
        long probeNanos = p.duration("probe_interval").toNanos();
        Duration giveUp = p.duration("give_up_after");
        Grpc.Pool consentPool = ctx.pool("consent", 1);
        Grpc.Pool ingestPool = ctx.pool("ingest", 1);
        Histogram lag = new Histogram(60_000_000L, 3);
        int notEnforced = 0;
        for (int t = 0; t < trials; t++) {
            String user = "bench-wd-" + ctx.runId + "-" + t;
            var consent = ConsentServiceGrpc.newBlockingStub(consentPool.next()).withDeadlineAfter(10,
                    TimeUnit.SECONDS);
            consent.recordConsent(record(user, purpose, jurisdiction, ConsentStatus.CONSENT_STATUS_GRANTED));
            // The grant must be seen first, or a withdrawal "enforced" at once would only be the opt-in default.
            long grantDeadline = System.nanoTime() + giveUp.toNanos();
            int probe = 0;
            while (suppressed(ingest(ingestPool), user, probe++, destination, ctx)) {
                if (System.nanoTime() > grantDeadline) {
                    throw new IllegalStateException("ingest never forwarded " + user + " to " + destination
                            + " after the grant (is " + purpose + " its purpose?)");
                }
                Thread.sleep(10);
            }
            long withdrawn = System.nanoTime();
            ConsentServiceGrpc.newBlockingStub(consentPool.next()).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .recordConsent(record(user, purpose, jurisdiction, ConsentStatus.CONSENT_STATUS_WITHDRAWN));
            long deadline = withdrawn + giveUp.toNanos();
            boolean enforced = false;
            for (long next = System.nanoTime(); next < deadline; next += probeNanos) {
                long now;
                while ((now = System.nanoTime()) < next) {
                    Thread.sleep(0, (int) Math.min(999_999, next - now));
                }
                long sent = System.nanoTime();
                if (suppressed(ingest(ingestPool), user, probe++, destination, ctx)) {
                    lag.recordValue((sent - withdrawn) / 1000);
                    enforced = true;
                    break;
                }
            }
            if (!enforced) {
                notEnforced++;
                r.errors.add(user + ": withdrawal not enforced at ingest within " + giveUp);
            }
        }
        r.distributions.put("withdrawal -> enforced at ingest", lag);
        r.figures.put("trials", trials);
        r.figures.put("not_enforced", notEnforced);
        r.figures.put("lag_ms", java.util.Map.of("p50", lag.getValueAtPercentile(50) / 1000.0, "p99",
                lag.getValueAtPercentile(99) / 1000.0, "max", lag.getMaxValue() / 1000.0));
        r.figures.put("probe_interval_ms", probeNanos / 1e6);
        r.notes.add("on an otherwise idle stack; exact to the probe interval (" + probeNanos / 1_000_000 + " ms)");
        if (lag.getTotalCount() > 0) {
            r.target("withdrawal -> enforced at ingest p99 (ms)", "<= 1000 ms", lag.getValueAtPercentile(99) / 1000.0,
                    1000, false);
        }
        return r;
    }

    private static IngestServiceBlockingStub ingest(Grpc.Pool pool) {
        return IngestServiceGrpc.newBlockingStub(pool.next()).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static RecordConsentRequest record(String user, String purpose, String jurisdiction, ConsentStatus s) {
        return RecordConsentRequest.newBuilder().addRecords(ConsentRecordInput.newBuilder()
                .setSubject(RpcScenarios.userId(user)).setPurpose(purpose).setJurisdiction(jurisdiction).setStatus(s)
                .setSource("load-tests").setLegalBasis("consent").setOccurredAt(Events.now())).build();
    }

    /** Sends one event for the user; true when ingest suppressed the destination for it. */
    private static boolean suppressed(IngestServiceBlockingStub ingest, String user, int probe, String destination,
            BenchContext ctx) {
        EventResult res = ingest.ingestBatch(IngestBatchRequest.newBuilder().setSourceId("backend")
                .addEvents(Events.productViewed(user + "-probe-" + probe, user, 300)).build()).getResults(0);
        if (res.getOutcome() == EventOutcome.EVENT_OUTCOME_SUPPRESSED_BY_CONSENT) {
            return true;
        }
        if (res.getOutcome() != EventOutcome.EVENT_OUTCOME_ACCEPTED) {
            throw new IllegalStateException("probe answered " + res.getOutcome() + " " + res.getReason());
        }
        return res.getSuppressedDestinationsList().contains(destination);
    }
}
