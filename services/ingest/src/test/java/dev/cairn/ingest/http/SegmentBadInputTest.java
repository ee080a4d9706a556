package dev.cairn.ingest.http;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.InvalidProtocolBufferException;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

import dev.cairn.proto.events.v1.Event;
import dev.cairn.testsupport.TopicReader;

/**
 * The bad-input table over HTTP: each fault gets the answer SDKs act on, and nothing else of the same
 * request is lost. Request faults refuse the whole request with a reason (the SDK drops it); item faults
 * answer 200, quarantine just that event and let the others through.
 */
@QuarkusTest
class SegmentBadInputTest {

    static final String GOVERNED_TOPIC = "cairn.events.governed.v1";
    private static final RestAssuredConfig RAW_BODY = RestAssured.config()
            .encoderConfig(EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false));

    /** A request fault: refused as a whole with this status and error code. */
    record RequestFaultCase(String name, String writeKey, String contentEncoding, byte[] body, int status,
            String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * An item fault: the bad event sits between two good ones in a batch from {@code writeKey}'s source.
     * {@code violationType}/{@code jsonPath} null: only the QUARANTINED outcome is this layer's to assert
     * (the pipeline finds the violation). {@code goodOutcomes}: what the good neighbours may answer (a
     * web source's default jurisdiction may let consent suppress them; they must never be lost or quarantined).
     */
    record ItemFaultCase(String name, String writeKey, String badEvent, String violationType, String jsonPath,
            boolean checkTopic, Set<String> goodOutcomes) {
        ItemFaultCase(String name, String writeKey, String badEvent, String violationType, String jsonPath,
                boolean checkTopic) {
            this(name, writeKey, badEvent, violationType, jsonPath, checkTopic, Set.of("ACCEPTED"));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<RequestFaultCase> requestFaults() throws IOException {
        byte[] oversize = batchOf(good("m-" + UUID.randomUUID()), 12_000); // ~700 KB of valid JSON
        byte[] invalidUtf8 = "{\"batch\":[{\"type\":\"track\",\"event\":\"caf\u00ff\",\"userId\":\"u\"}]}"
                .getBytes(StandardCharsets.ISO_8859_1);
        return Stream.of(
                new RequestFaultCase("malformed JSON", WriteKeysTestResource.BACKEND_KEY, null,
                        utf8("{\"batch\":[{\"type\":\"track\",\"event\":\"x\""), 400, "malformed_json"),
                new RequestFaultCase("invalid UTF-8", WriteKeysTestResource.BACKEND_KEY, null, invalidUtf8, 400,
                        "invalid_utf8"),
                new RequestFaultCase("oversize request", WriteKeysTestResource.BACKEND_KEY, null, oversize, 413,
                        "request_too_large"),
                new RequestFaultCase("oversize request after gzip", WriteKeysTestResource.BACKEND_KEY, "gzip",
                        SegmentEventReaderTest.gzip(oversize), 413, "request_too_large"),
                new RequestFaultCase("unknown write key", "no-such-key", null, batchOf(good("m-1"), 1), 401,
                        "invalid_write_key"),
                new RequestFaultCase("write key of a source contracts/ does not list",
                        WriteKeysTestResource.ORPHAN_KEY, null, batchOf(good("m-1"), 1), 401, "invalid_write_key"),
                new RequestFaultCase("no write key at all", null, null, batchOf(good("m-1"), 1), 401,
                        "invalid_write_key"),
                new RequestFaultCase("empty batch", WriteKeysTestResource.BACKEND_KEY, null,
                        utf8("{\"batch\":[]}"), 400, "empty_batch"),
                new RequestFaultCase("more than 2,500 events", WriteKeysTestResource.BACKEND_KEY, null,
                        batchOf("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}", 2_501), 400,
                        "too_many_events"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestFaults")
    void a_request_fault_refuses_the_whole_request_with_its_status_and_reason(RequestFaultCase c) {
        RequestSpecification request = given().config(RAW_BODY).contentType("application/json").body(c.body());
        if (c.writeKey() != null) {
            request = request.auth().preemptive().basic(c.writeKey(), "");
        }
        if (c.contentEncoding() != null) {
            request = request.header("Content-Encoding", c.contentEncoding());
        }
        request.when().post("/v1/batch").then().statusCode(c.status())
                .contentType("application/json")
                .body("success", equalTo(false))
                .body("error", equalTo(c.error()))
                .body("reason", not(emptyOrNullString()));
    }

    static Stream<Arguments> itemFaults() {
        String backend = WriteKeysTestResource.BACKEND_KEY;
        String web = WriteKeysTestResource.WEB_KEY;
        Set<String> notLost = Set.of("ACCEPTED", "SUPPRESSED_BY_CONSENT");
        String future = Instant.now().plus(Duration.ofDays(2)).toString();
        return Stream.of(
                new ItemFaultCase("wrong types: properties not an object", backend,
                        "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u1\",\"properties\":\"cheap\"}",
                        "TYPE_MISMATCH", "$.properties", true),
                new ItemFaultCase("wrong types: event name not a string", backend,
                        "{\"type\":\"track\",\"event\":{\"name\":\"x\"},\"userId\":\"u1\"}", "TYPE_MISMATCH",
                        "$.event", false),
                new ItemFaultCase("missing ids", backend, "{\"type\":\"track\",\"event\":\"Order Completed\"}",
                        "ENVELOPE", "$.userId", false),
                new ItemFaultCase("oversize event", backend,
                        "{\"type\":\"track\",\"event\":\"Big\",\"userId\":\"u1\",\"properties\":{\"blob\":\""
                                + "x".repeat(40_000) + "\"}}",
                        "SIZE", "$", false),
                new ItemFaultCase("unparseable timestamp", backend,
                        "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u1\",\"timestamp\":\"soon\"}",
                        "MALFORMED", "$.timestamp", false),
                new ItemFaultCase("future timestamp (web source, blocking plan)", web,
                        "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u1\",\"timestamp\":\""
                                + future + "\",\"properties\":" + VALID_ORDER + "}",
                        "CONSTRAINT", "$.timestamp", false, notLost),
                new ItemFaultCase("unplanned event under a blocking plan (web source)", web,
                        "{\"type\":\"track\",\"event\":\"Teleported\",\"userId\":\"u1\"}",
                        "UNPLANNED_EVENT", "$.event", false, notLost),
                new ItemFaultCase("not an object", backend, "[\"track\"]", "MALFORMED", "$", false))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("itemFaults")
    void an_item_fault_quarantines_that_event_and_the_others_of_the_batch_go_through(ItemFaultCase c) {
        String before = "good-" + UUID.randomUUID();
        String after = "good-" + UUID.randomUUID();
        String badId = "bad-" + UUID.randomUUID();
        String bad = c.badEvent().startsWith("{")
                ? "{\"messageId\":\"" + badId + "\"," + c.badEvent().substring(1)
                : c.badEvent();
        String body = "{\"batch\":[" + good(before) + "," + bad + "," + good(after) + "]}";

        JsonPath answer = given().config(RAW_BODY).auth().preemptive().basic(c.writeKey(), "")
                .contentType("application/json").body(utf8(body))
                .when().post("/v1/batch")
                .then().statusCode(200).body("success", equalTo(true))
                .extract().jsonPath();

        assertEquals(List.of(0, 1, 2), answer.getList("results.index"));
        assertEquals(List.of(before, after), List.of(answer.getString("results[0].messageId"),
                answer.getString("results[2].messageId")));
        assertTrue(c.goodOutcomes().contains(answer.getString("results[0].outcome")), answer.prettify());
        assertTrue(c.goodOutcomes().contains(answer.getString("results[2].outcome")), answer.prettify());
        assertEquals("QUARANTINED", answer.getString("results[1].outcome"), answer.prettify());
        if (c.violationType() != null) {
            assertEquals(c.violationType(), answer.getString("results[1].violations[0].type"), answer.prettify());
            assertEquals(c.jsonPath(), answer.getString("results[1].violations[0].jsonPath"), answer.prettify());
        }
        if (c.checkTopic()) {
            Set<String> good = Set.of(before, after);
            var landed = TopicReader.read(GOVERNED_TOPIC, r -> good.contains(parse(r.value()).getMessageId()), 2,
                    Duration.ofSeconds(20));
            assertEquals(good, landed.stream().map(r -> parse(r.value()).getMessageId()).collect(Collectors.toSet()),
                    "both good events of the request are on the governed topic");
            assertEquals(2, landed.size(), "each exactly once");
            assertEquals(0, TopicReader.read(GOVERNED_TOPIC, r -> badId.equals(parse(r.value()).getMessageId()), 1,
                    Duration.ofSeconds(2)).size(), "the quarantined event is not on the governed topic");
        }
    }

    /** Properties of a valid Order Completed (contracts/tracking-plan), so good events break no contract. */
    static final String VALID_ORDER = "{\"order_id\":\"o-1\",\"total\":12.5,\"currency\":\"EUR\"}";

    static String good(String messageId) {
        return "{\"type\":\"track\",\"messageId\":\"" + messageId
                + "\",\"event\":\"Order Completed\",\"userId\":\"user-http\",\"properties\":" + VALID_ORDER + "}";
    }

    static byte[] batchOf(String event, int count) {
        StringBuilder body = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append(event);
        }
        return utf8(body.append("]}").toString());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Event parse(byte[] value) {
        try {
            return Event.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
