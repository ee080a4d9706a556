package dev.cairn.bench.scenario;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.cairn.bench.load.AsyncCall;
import dev.cairn.bench.support.Grpc;
import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;

/** The request-time reads: identity Resolve, consent Decide, segments IsMember. */
public final class RpcScenarios {

    private RpcScenarios() {
    }

    static Identifier userId(String v) {
        return Identifier.newBuilder().setNamespace("user_id").setValue(v).build();
    }

    /**
     * Sends one Product Viewed event per seed user through ingest (so identity has their profiles and segments
     * their active_last_7_days membership), then waits until identity resolves the last one. Seed users are
     * the same in every run: a second run finds them already there.
     */
    static void seed(BenchContext ctx, int users) throws Exception {
        Grpc.Pool ingest = ctx.pool("ingest", 1);
        for (int from = 0; from < users; from += 100) {
            IngestBatchRequest.Builder req = IngestBatchRequest.newBuilder().setSourceId("backend");
            for (int i = from; i < Math.min(users, from + 100); i++) {
                req.addEvents(Events.track("Product Viewed", "bench-seed-" + ctx.runId + "-" + i, "bench-seed-" + i,
                        500));
            }
            IngestServiceGrpc.newBlockingStub(ingest.next()).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .ingestBatch(req.build());
        }
        Grpc.Pool identity = ctx.pool("identity", 1);
        // Every seed, not only the last: their links land on different partitions, processed independently.
        BenchContext.firstAnswer(() -> {
            for (int from = 0; from < users; from += 100) {
                BatchResolveRequest.Builder req = BatchResolveRequest.newBuilder();
                for (int i = from; i < Math.min(users, from + 100); i++) {
                    req.addIdentifiers(userId("bench-seed-" + i));
                }
                for (Resolution r : IdentityServiceGrpc.newBlockingStub(identity.next())
                        .withDeadlineAfter(10, TimeUnit.SECONDS).batchResolve(req.build()).getResolutionsList()) {
                    if (!r.getFound()) {
                        return false;
                    }
                }
            }
            return true;
        }, Duration.ofSeconds(120), null);
    }

    static String seedUser(int users) {
        return "bench-seed-" + ThreadLocalRandom.current().nextInt(users);
    }

    /** identity-resolve: Resolve(user_id) of a seeded profile. */
    public static final class IdentityResolve implements Scenario {
        @Override
        public String name() {
            return "identity-resolve";
        }

        @Override
        public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
            int users = p.integer("seed_users");
            long backlog = Baselines.identityLinksBacklog(ctx);
            seed(ctx, users);
            Grpc.Pool pool = ctx.pool("identity", p.integer("connections"));
            AsyncCall call = seq -> Grpc.toFuture(IdentityServiceGrpc.newFutureStub(pool.next())
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .resolve(ResolveRequest.newBuilder().setIdentifier(userId(seedUser(users))).build()))
                    .thenApply(r -> {
                        if (!r.getResolution().getFound()) {
                            throw new IllegalStateException("seeded identifier not found");
                        }
                        return 1;
                    });
            ScenarioResult r = new ScenarioResult(name());
            r.figures.put("identity_links_backlog_before", backlog);
            RequestResponse.measure(ctx, p, r, "Resolve", call, "identity");
            RequestResponse.standardTargets(r, "identity Resolve", true);
            return r;
        }
    }

    /** consent-decide: Decide(user_id, personalization) of a seeded subject. */
    public static final class ConsentDecide implements Scenario {
        @Override
        public String name() {
            return "consent-decide";
        }

        @Override
        public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
            int users = p.integer("seed_users");
            String purpose = p.string("purpose");
            Grpc.Pool pool = ctx.pool("consent", p.integer("connections"));
            AsyncCall call = seq -> Grpc.toFuture(ConsentServiceGrpc.newFutureStub(pool.next())
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .decide(DecideRequest.newBuilder().addQueries(DecisionQuery.newBuilder()
                            .setSubject(userId(seedUser(users))).setPurpose(purpose)).build()))
                    .thenApply(r -> {
                        if (r.getDecisionsCount() != 1) {
                            throw new IllegalStateException("expected one decision, got " + r.getDecisionsCount());
                        }
                        return 1;
                    });
            ScenarioResult r = new ScenarioResult(name());
            RequestResponse.measure(ctx, p, r, "Decide", call, "consent");
            RequestResponse.standardTargets(r, "consent Decide", false);
            return r;
        }
    }

    /** segments-ismember: IsMember(user_id, active_last_7_days) of a seeded profile. */
    public static final class SegmentsIsMember implements Scenario {
        @Override
        public String name() {
            return "segments-ismember";
        }

        @Override
        public ScenarioResult run(BenchContext ctx, Params p) throws Exception {
            int users = p.integer("seed_users");
            seed(ctx, users);
            String segment = p.string("segment");
            Grpc.Pool pool = ctx.pool("segments", p.integer("connections"));
            AsyncCall call = seq -> Grpc.toFuture(SegmentsServiceGrpc.newFutureStub(pool.next())
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .isMember(IsMemberRequest.newBuilder().addQueries(MembershipQuery.newBuilder()
                            .setProfile(ProfileRef.newBuilder().setIdentifier(userId(seedUser(users))))
                            .setSegmentId(segment)).build()))
                    .thenApply(r -> {
                        if (r.getAnswersCount() != 1) {
                            throw new IllegalStateException("expected one answer, got " + r.getAnswersCount());
                        }
                        return 1;
                    });
            ScenarioResult r = new ScenarioResult(name());
            RequestResponse.measure(ctx, p, r, "IsMember", call, "segments");
            r.notes.add("no target in the issue for IsMember latency; the ratio to the empty call is reported");
            return r;
        }
    }
}
