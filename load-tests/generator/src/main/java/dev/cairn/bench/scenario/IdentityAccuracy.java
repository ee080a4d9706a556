package dev.cairn.bench.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.cairn.bench.accuracy.PairwiseScore;
import dev.cairn.bench.accuracy.SyntheticPeople;
import dev.cairn.bench.accuracy.SyntheticPeople.Item;
import dev.cairn.bench.support.Grpc;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventOutcome;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;

/**
 * The identity accuracy benchmark: synthetic people with known truth ({@link SyntheticPeople}) are sent
 * through ingest (gRPC, source backend); once identity has settled (two BatchResolve passes a few seconds
 * apart give the same profiles), every item is resolved and scored by pairwise precision and recall
 * ({@link PairwiseScore}). False merges and splits are listed with their namespaces, to name the rule.
 */
public final class IdentityAccuracy implements Scenario {

    /** What {@link #resolveAll} maps an item to when identity answers it ambiguous (no profile). */
    static final String AMBIGUOUS = "(ambiguous)";

    @Override
    public String name() {
        return "identity-accuracy";
    }

    @Override
    public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
        ScenarioResult r = new ScenarioResult(name());
        r.figures.put("identity_links_backlog_before", Baselines.identityLinksBacklog(ctx));
        String run = "acc-" + ctx.runId.toLowerCase().replace("t", "").replace("z", "");
        int phoneBase = (int) ((System.currentTimeMillis() / 60_000) % 10_000);
        SyntheticPeople people = new SyntheticPeople(run, p.integer("people"), p.integer("seed"), phoneBase);
        List<EventInput> events = people.interleaved();
        r.figures.put("people", p.integer("people"));
        r.figures.put("events", events.size());
        r.figures.put("generated", people.counts);

        Grpc.Pool ingest = ctx.pool("ingest", 1);
        int batch = p.integer("batch");
        long sendStart = System.nanoTime();
        for (int from = 0; from < events.size(); from += batch) {
            IngestBatchRequest req = IngestBatchRequest.newBuilder().setSourceId("backend")
                    .addAllEvents(events.subList(from, Math.min(events.size(), from + batch))).build();
            for (EventResult res : IngestServiceGrpc.newBlockingStub(ingest.next())
                    .withDeadlineAfter(30, TimeUnit.SECONDS).ingestBatch(req).getResultsList()) {
                if (res.getOutcome() != EventOutcome.EVENT_OUTCOME_ACCEPTED) {
                    r.errors.add("event " + res.getMessageId() + " " + res.getOutcome() + " " + res.getReason());
                }
            }
        }
        r.figures.put("send_seconds", RequestResponse.round((System.nanoTime() - sendStart) / 1e9));

        // Sentinels: events sent after the people's, keyed by many users so that every partition of the links
        // topic carries one. Identity consumes each partition in order, so once every sentinel resolves, every
        // link of the people was processed; two equal passes then show that no merge is still landing.
        int sentinels = p.integer("sentinels");
        IngestBatchRequest.Builder last = IngestBatchRequest.newBuilder().setSourceId("backend");
        List<Item> sentinelItems = new ArrayList<>();
        for (int i = 0; i < sentinels; i++) {
            String user = run + "-sentinel-" + i;
            last.addEvents(Events.track("Product Viewed", run + "-sentinel-m-" + i, user, 200));
            sentinelItems.add(new Item("sentinel", "user_id", user));
        }
        IngestServiceGrpc.newBlockingStub(ingest.next()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .ingestBatch(last.build());
        Grpc.Pool identity = ctx.pool("identity", 1);
        long settleStart = System.nanoTime();
        Duration maxWait = p.duration("settle_max");
        try {
            BenchContext.firstAnswer(() -> resolveAll(identity, sentinelItems).size() == sentinels, maxWait, null);
        } catch (java.io.IOException e) {
            r.errors.add("identity did not process the sentinel links within " + maxWait);
        }
        r.figures.put("links_processed_seconds", RequestResponse.round((System.nanoTime() - sendStart) / 1e9));
        r.figures.put("identity_events_per_s_end_to_end",
                RequestResponse.round(events.size() / ((System.nanoTime() - sendStart) / 1e9)));
        Map<Item, String> previous = resolveAll(identity, people.items);
        Map<Item, String> current;
        while (true) {
            Thread.sleep(p.duration("settle_interval").toMillis());
            current = resolveAll(identity, people.items);
            if (current.equals(previous) && !current.isEmpty()) {
                break;
            }
            previous = current;
            if (System.nanoTime() - settleStart > maxWait.toNanos()) {
                r.notes.add("identity had not settled after " + maxWait + ": scored the last pass");
                break;
            }
        }
        r.figures.put("settle_seconds", RequestResponse.round((System.nanoTime() - settleStart) / 1e9));

        // As Resolve answers: an identifier identity found ambiguous (shared by several people) is attributed to
        // no one, so it pairs with nothing; a person whose items are all elsewhere loses those pairs in recall.
        PairwiseScore score = new PairwiseScore();
        int notFound = 0;
        int ambiguous = 0;
        Map<Item, String> profiles = new HashMap<>();
        for (Item item : people.items) {
            String resolved = current.get(item);
            if (resolved == null) {
                notFound++;
            } else if (resolved.equals(AMBIGUOUS)) {
                ambiguous++;
                resolved = null;
            } else {
                profiles.put(item, resolved);
            }
            score.add(item.person(), resolved);
        }
        r.figures.put("items_ambiguous", ambiguous);
        r.figures.put("items", score.items());
        r.figures.put("items_not_found", notFound);
        r.figures.put("true_pairs", score.truePairs());
        r.figures.put("predicted_pairs", score.predictedPairs());
        r.figures.put("correct_pairs", score.correctPairs());
        r.figures.put("precision", score.precision());
        r.figures.put("recall", score.recall());
        diagnose(r, people.items, profiles, current);
        r.target("identity pairwise precision", ">= 0.999", score.precision(), 0.999, true);
        r.target("identity pairwise recall", ">= 0.98", score.recall(), 0.98, true);
        r.throughput.put("precision", score.precision());
        r.throughput.put("recall", score.recall());
        r.throughputUnit = "pairwise score (target: precision 0.999, recall 0.98)";
        return r;
    }

    /**
     * Item -> profile id, for the items identity found (an unknown one is absent); {@link #AMBIGUOUS} for an
     * identifier identity demoted to ambiguous, which Resolve attributes to no profile.
     */
    static Map<Item, String> resolveAll(Grpc.Pool identity, List<Item> items) {
        Map<Item, String> out = new HashMap<>();
        for (int from = 0; from < items.size(); from += 100) {
            List<Item> chunk = items.subList(from, Math.min(items.size(), from + 100));
            BatchResolveRequest.Builder req = BatchResolveRequest.newBuilder();
            for (Item i : chunk) {
                req.addIdentifiers(Identifier.newBuilder().setNamespace(i.namespace()).setValue(i.value()));
            }
            List<Resolution> res = IdentityServiceGrpc.newBlockingStub(identity.next())
                    .withDeadlineAfter(30, TimeUnit.SECONDS).batchResolve(req.build()).getResolutionsList();
            for (int i = 0; i < chunk.size(); i++) {
                Resolution rr = res.get(i);
                if (rr.getFound() && rr.getAmbiguous()) {
                    out.put(chunk.get(i), AMBIGUOUS);
                } else if (rr.getFound() && !rr.getProfileId().isEmpty()) {
                    out.put(chunk.get(i), rr.getProfileId());
                }
            }
        }
        return out;
    }

    /**
     * Over-merges (a profile holding several people's items) and splits, by namespace, with examples; a split item
     * identity answered ambiguous ({@code answered}) is labelled so, not as not found.
     */
    static void diagnose(ScenarioResult r, List<Item> items, Map<Item, String> resolved, Map<Item, String> answered) {
        Map<String, Set<String>> personsByProfile = new HashMap<>();
        Map<String, List<Item>> itemsByPerson = new LinkedHashMap<>();
        for (Item i : items) {
            itemsByPerson.computeIfAbsent(i.person(), k -> new ArrayList<>()).add(i);
            String profile = resolved.get(i);
            if (profile != null) {
                personsByProfile.computeIfAbsent(profile, k -> new HashSet<>()).add(i.person());
            }
        }
        List<String> overMerged = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : personsByProfile.entrySet()) {
            if (e.getValue().size() > 1 && overMerged.size() < 10) {
                overMerged.add(e.getKey() + " holds items of " + e.getValue());
            }
        }
        r.figures.put("over_merged_profiles", personsByProfile.values().stream().filter(s -> s.size() > 1).count());
        r.figures.put("over_merge_examples", overMerged);
        Map<String, Integer> splitByNamespace = new LinkedHashMap<>();
        List<String> splitExamples = new ArrayList<>();
        int splitPeople = 0;
        for (Map.Entry<String, List<Item>> e : itemsByPerson.entrySet()) {
            Map<String, Integer> sizes = new HashMap<>();
            for (Item i : e.getValue()) {
                sizes.merge(String.valueOf(resolved.get(i)), 1, Integer::sum);
            }
            if (sizes.size() <= 1) {
                continue;
            }
            splitPeople++;
            String main = sizes.entrySet().stream().max(Map.Entry.comparingByValue()).get().getKey();
            for (Item i : e.getValue()) {
                if (!String.valueOf(resolved.get(i)).equals(main)) {
                    String unattributed = AMBIGUOUS.equals(answered.get(i)) ? " " + AMBIGUOUS : " (not found)";
                    splitByNamespace.merge(i.namespace() + (resolved.get(i) == null ? unattributed : ""), 1,
                            Integer::sum);
                    if (splitExamples.size() < 10) {
                        splitExamples.add(e.getKey() + ": " + i.namespace() + "=" + i.value() + " -> "
                                + resolved.get(i));
                    }
                }
            }
        }
        r.figures.put("people_split", splitPeople);
        r.figures.put("split_items_by_namespace", splitByNamespace);
        r.figures.put("split_examples", splitExamples);
    }
}
