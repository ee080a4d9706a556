package dev.cairn.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.google.protobuf.Message;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import dev.cairn.client.Identifiers;
import dev.cairn.proto.consent.v1.ConsentRecordInput;
import dev.cairn.proto.consent.v1.DecideRequest;
import dev.cairn.proto.consent.v1.DecisionQuery;
import dev.cairn.proto.consent.v1.RecordConsentRequest;
import dev.cairn.proto.events.v1.ConsentStatus;
import dev.cairn.proto.events.v1.EventType;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.identity.v1.ResolveRequest;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.ProfileRef;

/**
 * {@code ./cairn demo}: one visitor's story through every service, printed as it happens. Each step calls
 * the real RPC; a step whose service cannot answer yet says so instead of pretending.
 */
final class Demo {

    /** One RPC of one service: the typed request in, each response as JSON out. */
    interface Rpc {
        List<String> invoke(String service, String rpc, Message request) throws Exception;
    }

    private final Rpc cli;
    private final PrintWriter out;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String anonymousId = "anon-" + suffix;
    private final String userId = "user-" + suffix;
    private final String email = "ada." + suffix + "@example.com";
    private int failures;

    Demo(Rpc cli, PrintWriter out) {
        this.cli = cli;
        this.out = out;
    }

    int run() throws Exception {
        out.println("A visitor browses anonymously (" + anonymousId + "), signs up as " + userId + " <" + email
                + ">, buys something, and changes their consent.\n");

        step("1. ingest: three events over gRPC (page view, identify, order with a 2^53+1 order id)");
        IngestBatchRequest events = IngestBatchRequest.newBuilder().setSourceId("backend")
                .addEvents(
                        EventInput.newBuilder().setMessageId("demo-" + suffix + "-1").setType(EventType.EVENT_TYPE_PAGE)
                                .setName("Pricing").setAnonymousId(anonymousId))
                .addEvents(EventInput.newBuilder().setMessageId("demo-" + suffix + "-2")
                        .setType(EventType.EVENT_TYPE_IDENTIFY).setUserId(userId).setAnonymousId(anonymousId)
                        .setTraits(
                                MapValue.newBuilder().putFields("email", text(email)).putFields("plan", text("pro"))))
                .addEvents(EventInput.newBuilder().setMessageId("demo-" + suffix + "-3")
                        .setType(EventType.EVENT_TYPE_TRACK).setEvent("Order Completed").setUserId(userId)
                        .setAnonymousId(anonymousId)
                        .setProperties(MapValue.newBuilder()
                                .putFields("total", Value.newBuilder().setDoubleValue(120.5).build())
                                .putFields("currency", text("EUR"))
                                // 2^53 + 1: a JSON number would lose it; the big-integer value keeps every digit.
                                .putFields("order_id",
                                        Value.newBuilder().setBigIntegerValue("9007199254740993").build())))
                .build();
        expect(() -> cli.invoke("ingest", "IngestBatch", events),
                r -> r.contains("ACCEPTED") && !r.contains("QUARANTINED") && !r.contains("RETRY"), Duration.ZERO,
                "every event ACCEPTED");

        step("2. identity: who is the anonymous visitor now? (resolve " + anonymousId + ")");
        ResolveRequest resolve = ResolveRequest.newBuilder().setIdentifier(Identifiers.of("anonymous_id", anonymousId))
                .build();
        expect(() -> cli.invoke("identity", "Resolve", resolve), r -> r.contains(userId), Duration.ofSeconds(60),
                "identity resolved the anonymous visitor to " + userId);

        step("3. consent: the user grants analytics and withdraws marketing email (EU)");
        Identifier user = Identifiers.of("user_id", userId);
        RecordConsentRequest record = RecordConsentRequest.newBuilder()
                .addRecords(consent(user, "analytics", ConsentStatus.CONSENT_STATUS_GRANTED))
                .addRecords(consent(user, "marketing_email", ConsentStatus.CONSENT_STATUS_WITHDRAWN)).build();
        show(() -> cli.invoke("consent", "RecordConsent", record));

        step("4. consent: may we use their data for analytics, or email them? asked by the anonymous id (consent follows identity)");
        Identifier visitor = Identifiers.of("anonymous_id", anonymousId);
        DecideRequest decide = DecideRequest.newBuilder()
                .addQueries(
                        DecisionQuery.newBuilder().setSubject(visitor).setPurpose("analytics").setJurisdiction("EU"))
                .addQueries(DecisionQuery.newBuilder().setSubject(visitor).setPurpose("marketing_email")
                        .setJurisdiction("EU"))
                .build();
        expect(() -> cli.invoke("consent", "Decide", decide), r -> r.contains("allowed"), Duration.ofSeconds(60),
                "consent decided for the anonymous id as for the user");

        step("5. segments: which audiences is the user in now? (the order makes them active in the last 7 days)");
        ListMembershipsRequest memberships = ListMembershipsRequest.newBuilder()
                .setProfile(ProfileRef.newBuilder().setIdentifier(user)).build();
        expect(() -> cli.invoke("segments", "ListMemberships", memberships), r -> r.contains("active_last_7_days"),
                Duration.ofSeconds(60), "the user entered active_last_7_days");

        out.println(failures == 0
                ? "\nThe whole story ran end to end."
                : "\n" + failures + " step(s) could not be shown; see the messages above.");
        out.flush();
        return failures == 0 ? 0 : 1;
    }

    private static Value text(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }

    private static ConsentRecordInput.Builder consent(Identifier subject, String purpose, ConsentStatus status) {
        return ConsentRecordInput.newBuilder().setSubject(subject).setPurpose(purpose).setJurisdiction("EU")
                .setStatus(status).setSource("demo").setLegalBasis("consent");
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
            out.println(indent("failed: " + GrpcFailure.describe(e)));
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
            out.println(indent(what + GrpcFailure.describe(e)));
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
