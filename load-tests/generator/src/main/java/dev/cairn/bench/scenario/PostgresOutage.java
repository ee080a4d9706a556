package dev.cairn.bench.scenario;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;

import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.ExplainProfileRequest;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;

/**
 * faults-postgres-restart: PostgreSQL (identity's log, consent's records, the warehouse) stopped mid-load with a fast
 * shutdown (every session cut, as a crash or a failover does to clients) and started again after down_for, the way
 * ./cairn up starts it. What must hold on top of the checker's promises:
 * <ul>
 * <li>reads served from Redis or Kafka-fed views do not depend on PostgreSQL: identity's Resolve of a person it knows
 * answers found throughout, and consent's Decide answers (its decisions come from the consent view);</li>
 * <li>reads that need PostgreSQL (identity's ExplainProfile, from the log) answer UNAVAILABLE while it is down, never
 * INTERNAL or UNKNOWN;</li>
 * <li>afterwards, identity's and consent's consumers resume by themselves (every group drained: the checker) and
 * the load's people resolve as they did before, with the log (ExplainProfile) agreeing.</li>
 * </ul>
 */
final class PostgresOutage {

    /** People of the load whose resolutions are followed through the outage. */
    static final int SAMPLE = 20;
    /** Answers a read may give while PostgreSQL is down without being a finding. */
    private static final Set<String> HONEST_WHILE_DOWN = Set.of("UNAVAILABLE", "DEADLINE_EXCEEDED");

    private PostgresOutage() {
    }

    static long inject(BenchContext ctx, Params p, Map<String, Object> figures, List<String> errors)
            throws Exception {
        Channel identity = ctx.pool("identity", 1).next();
        Channel consent = ctx.pool("consent", 1).next();
        String prefix = FaultScenario.prefix(ctx, "faults-postgres-restart");
        List<Identifier> sample = new ArrayList<>();
        for (int i = 0; i < SAMPLE; i++) {
            sample.add(RpcScenarios.userId(prefix + "user-" + i));
        }
        List<Resolution> before = RedisOutage.awaitResolutions(identity, sample, Duration.ofSeconds(60), null);
        if (before == null) {
            errors.add("identity did not resolve the load's first " + SAMPLE + " people within 60 s: no baseline");
            before = RedisOutage.batchResolve(identity, sample);
        }
        Identifier known = sample.get(0);

        long postmaster = postmaster(ctx.cairnHome);
        // SIGINT is PostgreSQL's fast shutdown: sessions are cut at once. SIGTERM (smart) would wait for the services'
        // pooled connections to close, which they never do.
        new ProcessBuilder("kill", "-INT", Long.toString(postmaster)).inheritIO().start().waitFor();
        ProcessHandle.of(postmaster).ifPresent(h -> h.onExit().join());
        long stopped = System.nanoTime();

        Map<String, Long> resolves = new TreeMap<>();
        Map<String, Long> explains = new TreeMap<>();
        Map<String, Long> decides = new TreeMap<>();
        while (System.nanoTime() - stopped < p.duration("down_for").toNanos()) {
            resolves.merge(RedisOutage.resolveAnswer(identity, known), 1L, Long::sum);
            explains.merge(explainAnswer(identity, known), 1L, Long::sum);
            decides.merge(decideAnswer(consent, known), 1L, Long::sum);
            Thread.sleep(200); // a client's call rate, not a wait for a condition
        }
        figures.put("resolve_answers_while_postgres_down", resolves);
        figures.put("explain_answers_while_postgres_down", explains);
        figures.put("decide_answers_while_postgres_down", decides);
        resolves.forEach((answer, n) -> {
            if (!answer.equals("found")) {
                errors.add("finding: Resolve of a person identity knows answered " + answer + " (" + n + " times) "
                        + "while PostgreSQL was down; it serves from Redis and must answer found");
            }
        });
        decides.forEach((answer, n) -> {
            if (!answer.equals("decided")) {
                errors.add("finding: consent's Decide answered " + answer + " (" + n + " times) while PostgreSQL was "
                        + "down; its decisions come from the consent view and must not need PostgreSQL");
            }
        });
        explains.forEach((answer, n) -> {
            if (!answer.equals("explained") && !HONEST_WHILE_DOWN.contains(answer)) {
                errors.add("finding: ExplainProfile answered " + answer + " (" + n + " times) while PostgreSQL was "
                        + "down; it must answer UNAVAILABLE");
            }
        });

        // The one way PostgreSQL is started: ./cairn up starts only what is not running.
        FaultScenario.cairnUp(ctx, "faults-postgres-restart", "PostgreSQL");
        long restarted = System.nanoTime();
        figures.put("postgres_restarted_after_s", FaultScenario.seconds(restarted - stopped));

        Map<String, Long> explainsAfter = new TreeMap<>();
        long explainedAt = awaitExplained(identity, known, p.duration("ready_max"), explainsAfter);
        figures.put("explain_answers_until_back", explainsAfter);
        if (explainedAt < 0) {
            errors.add("identity's ExplainProfile did not answer " + p.string("ready_max") + " after PostgreSQL came "
                    + "back: its pool did not reconnect");
        } else {
            figures.put("explain_back_after_restart_s", FaultScenario.seconds(explainedAt - restarted));
        }
        List<Resolution> after = RedisOutage.awaitResolutions(identity, sample, p.duration("ready_max"), null);
        if (after == null) {
            errors.add("the load's first " + SAMPLE + " people no longer all resolve after PostgreSQL came back");
        } else {
            int differ = 0;
            for (int i = 0; i < SAMPLE; i++) {
                if (!RedisOutage.sameProfile(before.get(i), after.get(i))) {
                    differ++;
                }
            }
            figures.put("resolutions_differing_from_before", differ);
            if (differ > 0) {
                errors.add(differ + " of " + SAMPLE + " resolutions differ after the outage from before it");
            }
        }
        return restarted;
    }

    /** The postmaster's pid, the first line of its pid file in the stack's data directory. */
    static long postmaster(Path cairnHome) throws java.io.IOException {
        Path pidFile = cairnHome.resolve("postgres/data/postmaster.pid");
        if (!Files.exists(pidFile)) {
            throw new IllegalStateException("PostgreSQL is not running (no " + pidFile + ")");
        }
        return Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    }

    /** One ExplainProfile call's answer: "explained" or the status code. */
    static String explainAnswer(Channel identity, Identifier id) {
        try {
            IdentityServiceGrpc.newBlockingStub(identity).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .explainProfile(ExplainProfileRequest.newBuilder().setIdentifier(id).setPageSize(1).build());
            return "explained";
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    /** One Decide call's answer: "decided" or the status code. */
    static String decideAnswer(Channel consent, Identifier id) {
        try {
            int n = ConsentServiceGrpc.newBlockingStub(consent).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .decide(DecideRequest.newBuilder()
                            .addQueries(DecisionQuery.newBuilder().setSubject(id).setPurpose("analytics")).build())
                    .getDecisionsCount();
            return n == 1 ? "decided" : n + " decisions for 1 query";
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    /** Polls ExplainProfile until it answers; System.nanoTime() then, or -1 if not within max. */
    static long awaitExplained(Channel identity, Identifier id, Duration max, Map<String, Long> seen)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            String answer = explainAnswer(identity, id);
            if (answer.equals("explained")) {
                return System.nanoTime();
            }
            seen.merge(answer, 1L, Long::sum);
            Thread.sleep(200);
        }
        return -1;
    }
}
