package dev.cairn.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * {@code ./cairn demo}: one visitor's story through every service, printed as it happens. Each step calls
 * the real RPC; a step whose service cannot answer yet says so instead of pretending.
 */
final class Demo {

    private final CairnCli cli;
    private final PrintStream out;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String anonymousId = "anon-" + suffix;
    private final String userId = "user-" + suffix;
    private final String email = "ada." + suffix + "@example.com";
    private int failures;

    Demo(CairnCli cli, PrintStream out) {
        this.cli = cli;
        this.out = out;
    }

    int run() throws Exception {
        out.println("A visitor browses anonymously (" + anonymousId + "), signs up as " + userId + " <" + email
                + ">, buys something, and changes their consent.\n");

        step("1. ingest: three events over gRPC (page view, identify, order with a 2^53+1 order id)");
        String events = """
                {"sourceId":"backend","events":[
                 {"messageId":"demo-%1$s-1","type":"EVENT_TYPE_PAGE","name":"Pricing","anonymousId":"%2$s"},
                 {"messageId":"demo-%1$s-2","type":"EVENT_TYPE_IDENTIFY","userId":"%3$s","anonymousId":"%2$s",
                  "traits":{"fields":{"email":{"stringValue":"%4$s"},"plan":{"stringValue":"pro"}}}},
                 {"messageId":"demo-%1$s-3","type":"EVENT_TYPE_TRACK","event":"Order Completed","userId":"%3$s",
                  "anonymousId":"%2$s","properties":{"fields":{"total":{"doubleValue":120.5},"currency":{"stringValue":"EUR"},
                  "order_id":{"bigIntegerValue":"9007199254740993"}}}}]}
                """
                .formatted(suffix, anonymousId, userId, email);
        expect(() -> cli.invoke("ingest", "IngestBatch", events),
                r -> r.contains("ACCEPTED") && !r.contains("QUARANTINED") && !r.contains("RETRY"), Duration.ZERO,
                "every event ACCEPTED");

        step("2. identity: who is the anonymous visitor now? (resolve " + anonymousId + ")");
        String resolve = "{\"identifier\":{\"namespace\":\"anonymous_id\",\"value\":\"" + anonymousId + "\"}}";
        expect(() -> cli.invoke("identity", "Resolve", resolve), r -> r.contains(userId), Duration.ofSeconds(60),
                "identity resolved the anonymous visitor to " + userId);

        step("3. consent: the user grants analytics and withdraws marketing email (EU)");
        String record = """
                {"records":[
                 {"subject":{"namespace":"user_id","value":"%1$s"},"purpose":"analytics","jurisdiction":"EU",
                  "status":"CONSENT_STATUS_GRANTED","source":"demo","legalBasis":"consent"},
                 {"subject":{"namespace":"user_id","value":"%1$s"},"purpose":"marketing_email","jurisdiction":"EU",
                  "status":"CONSENT_STATUS_WITHDRAWN","source":"demo","legalBasis":"consent"}]}
                """.formatted(userId);
        show(() -> cli.invoke("consent", "RecordConsent", record));

        step("4. consent: may we use their data for analytics, or email them? asked by the anonymous id (consent follows identity)");
        String decide = """
                {"queries":[
                 {"subject":{"namespace":"anonymous_id","value":"%1$s"},"purpose":"analytics","jurisdiction":"EU"},
                 {"subject":{"namespace":"anonymous_id","value":"%1$s"},"purpose":"marketing_email","jurisdiction":"EU"}]}
                """
                .formatted(anonymousId);
        expect(() -> cli.invoke("consent", "Decide", decide), r -> r.contains("allowed"), Duration.ofSeconds(60),
                "consent decided for the anonymous id as for the user");

        step("5. segments: which audiences is the user in now? (the order makes them active in the last 7 days)");
        String memberships = "{\"profile\":{\"identifier\":{\"namespace\":\"user_id\",\"value\":\"" + userId + "\"}}}";
        expect(() -> cli.invoke("segments", "ListMemberships", memberships), r -> r.contains("active_last_7_days"),
                Duration.ofSeconds(60), "the user entered active_last_7_days");

        out.println(failures == 0
                ? "\nThe whole story ran end to end."
                : "\n" + failures + " step(s) could not be shown; see the messages above.");
        return failures == 0 ? 0 : 1;
    }

    private interface Call {
        List<String> run() throws Exception;
    }

    private interface Check {
        boolean ok(String response);
    }

    /** Repeats a read until the pipeline has caught up (the services are eventually consistent by design). */
    private static List<String> poll(Call call, Check done, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        List<String> last = call.run();
        while (Instant.now().isBefore(deadline) && last.stream().noneMatch(done::ok)) {
            Thread.sleep(500);
            last = call.run();
        }
        return last;
    }

    /**
     * Shows a read repeated until it answers what the story expects; a story step that never happens within the
     * timeout is a failure (the demo exits non-zero), not an empty answer shown as if it were the result.
     */
    private void expect(Call call, Check done, Duration timeout, String what) {
        try {
            List<String> last = poll(call, done, timeout);
            for (String response : last) {
                out.println(indent(response));
            }
            if (last.stream().noneMatch(done::ok)) {
                failures++;
                out.println(indent("failed: not seen within " + timeout.toSeconds() + " s: " + what));
            }
        } catch (StatusRuntimeException e) {
            failures++;
            out.println(indent("failed: " + CairnCli.describe(e)));
        } catch (Exception e) {
            failures++;
            out.println(indent("failed: " + e));
        }
        out.println();
    }

    private void step(String title) {
        out.println("\033[1m" + title + "\033[0m");
    }

    private void show(Call call) {
        try {
            for (String response : call.run()) {
                out.println(indent(response));
            }
        } catch (StatusRuntimeException e) {
            failures++;
            String what = e.getStatus().getCode() == Status.Code.UNIMPLEMENTED ? "not implemented yet: " : "failed: ";
            out.println(indent(what + CairnCli.describe(e)));
        } catch (Exception e) {
            failures++;
            out.println(indent("failed: " + e));
        }
        out.println();
    }

    private static String indent(String text) {
        return "   " + text.replace("\n", "\n   ");
    }
}
