package dev.cairn.bench.scenario;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.identity.v1.ResolveRequest;

/**
 * faults-redis-restart: Redis (ingest's dedup, identity's serving graph, segments' memberships) stopped mid-load
 * and started again empty, the way ./cairn up starts it ({@code --save ''}: nothing survives). What must hold on top
 * of the checker's promises: while Redis is down, Resolve of an identifier identity knows answers UNAVAILABLE, never
 * "not found" (an answer made from missing data) nor INTERNAL; afterwards identity's Redis graph is rebuilt from its
 * log: the same resolutions as before the outage, and each profile id the one the log (ExplainProfile, read from
 * PostgreSQL) gives.
 */
final class RedisOutage {

    /** People of the load whose resolutions are compared before and after. */
    static final int SAMPLE = 50;

    private RedisOutage() {
    }

    static long inject(BenchContext ctx, Params p, Map<String, Object> figures, List<String> errors)
            throws Exception {
        Channel identity = ctx.pool("identity", 1).next();
        String prefix = FaultScenario.prefix(ctx, "faults-redis-restart");
        List<Identifier> sample = new ArrayList<>();
        for (int i = 0; i < SAMPLE; i++) {
            sample.add(RpcScenarios.userId(prefix + "user-" + i));
        }
        // Identity must know the people before the outage, or "not found" would be the truth.
        List<Resolution> before = awaitResolutions(identity, sample, Duration.ofSeconds(60), null);
        if (before == null) {
            errors.add("identity did not resolve the load's first " + SAMPLE + " people within 60 s: no baseline");
            before = batchResolve(identity, sample);
        }
        Identifier known = sample.get(0);

        long pid = Long.parseLong(Files.readString(ctx.cairnHome.resolve("run/redis.pid")).trim());
        ProcessHandle redis = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("Redis not running"));
        redis.destroy();
        redis.onExit().get(30, TimeUnit.SECONDS);
        long stopped = System.nanoTime();

        // Resolve during the outage, as a product would call it: every answer recorded.
        Map<String, Long> during = new TreeMap<>();
        while (System.nanoTime() - stopped < p.duration("down_for").toNanos()) {
            during.merge(resolveAnswer(identity, known), 1L, Long::sum);
            Thread.sleep(200); // a client's call rate, not a wait for a condition
        }
        figures.put("resolve_answers_while_redis_down", during);
        during.forEach((answer, n) -> {
            if (!answer.equals("UNAVAILABLE")) {
                errors.add("finding: Resolve of an identifier identity knows answered " + answer + " (" + n
                        + " times) while Redis was down; it must answer UNAVAILABLE");
            }
        });

        // The one way Redis is started: ./cairn up starts only what is not running.
        FaultScenario.cairnUp(ctx, "faults-redis-restart", "Redis");
        long restarted = System.nanoTime();
        figures.put("redis_restarted_after_s", FaultScenario.seconds(restarted - stopped));

        // Until identity's outbox has replayed its log into the empty Redis, what does Resolve say?
        Map<String, Long> rebuilding = new TreeMap<>();
        List<Resolution> after = awaitResolutions(identity, sample, p.duration("ready_max"), rebuilding);
        figures.put("resolve_answers_until_rebuilt", rebuilding);
        if (after == null) {
            errors.add("identity's Redis graph not rebuilt " + p.string("ready_max") + " after Redis came back: "
                    + "the load's first people still do not resolve");
        } else {
            figures.put("graph_rebuilt_after_restart_s", FaultScenario.seconds(System.nanoTime() - restarted));
            int differ = 0;
            for (int i = 0; i < sample.size(); i++) {
                if (!sameProfile(before.get(i), after.get(i))) {
                    differ++;
                }
            }
            figures.put("resolutions_differing_from_before", differ);
            if (differ > 0) {
                errors.add(differ + " of " + SAMPLE + " resolutions differ after identity's rebuild from before the"
                        + " outage");
            }
            int notAsLog = 0;
            for (int i = 0; i < sample.size(); i++) {
                String fromLog = IdentityServiceGrpc.newBlockingStub(identity).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .explainProfile(ExplainProfileRequest.newBuilder().setIdentifier(sample.get(i)).setPageSize(1)
                                .build())
                        .getProfileId();
                if (!fromLog.equals(after.get(i).getProfileId())) {
                    notAsLog++;
                }
            }
            figures.put("resolutions_differing_from_the_log", notAsLog);
            if (notAsLog > 0) {
                errors.add(notAsLog + " of " + SAMPLE + " people resolve (Redis) to another profile than the log says"
                        + " (ExplainProfile, PostgreSQL) after the rebuild");
            }
        }
        if (rebuilding.containsKey("some not found")) {
            errors.add("finding: BatchResolve answered people identity knows as not found "
                    + rebuilding.get("some not found") + " times after Redis came back empty, until identity's outbox"
                    + " had replayed its log: an answer made from missing data");
        }
        return restarted;
    }

    /** One Resolve call's answer, named: "found", "not found" or the status code. */
    static String resolveAnswer(Channel identity, Identifier id) {
        try {
            Resolution r = IdentityServiceGrpc.newBlockingStub(identity).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .resolve(ResolveRequest.newBuilder().setIdentifier(id).build()).getResolution();
            return r.getFound() ? "found" : "not found";
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    static List<Resolution> batchResolve(Channel identity, List<Identifier> ids) {
        return IdentityServiceGrpc.newBlockingStub(identity).withDeadlineAfter(5, TimeUnit.SECONDS)
                .batchResolve(BatchResolveRequest.newBuilder().addAllIdentifiers(ids).build()).getResolutionsList();
    }

    /**
     * Polls BatchResolve until every identifier is found; null if not within max. Each answer that was not that
     * (some "not found", a status) is counted in {@code seen} when given.
     */
    static List<Resolution> awaitResolutions(Channel identity, List<Identifier> ids, Duration max,
            Map<String, Long> seen) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                List<Resolution> all = batchResolve(identity, ids);
                if (all.stream().allMatch(Resolution::getFound)) {
                    return all;
                }
                if (seen != null) {
                    seen.merge("some not found", 1L, Long::sum);
                }
            } catch (StatusRuntimeException e) {
                if (seen != null) {
                    seen.merge(e.getStatus().getCode().name(), 1L, Long::sum);
                }
                if (e.getStatus().getCode() == Status.Code.PERMISSION_DENIED) {
                    throw e;
                }
            }
            Thread.sleep(200);
        }
        return null;
    }

    static boolean sameProfile(Resolution a, Resolution b) {
        return a.getProfileId().equals(b.getProfileId())
                && new HashSet<>(a.getIdentifiersList()).equals(new HashSet<>(b.getIdentifiersList()));
    }
}
