package dev.cairn.ingest.http;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.ContentType;

import dev.cairn.proto.events.v1.ConsentSignal;
import dev.cairn.proto.events.v1.Event;
import dev.cairn.proto.events.v1.QuarantinedEvent;
import dev.cairn.testsupport.TopicReader;

/** What SDKs rely on beyond the bad-input table: content types, gzip, browser CORS and settings. */
@QuarkusTest
class SegmentHttpApiTest {

    // Bodies go out as the bytes given, whatever the content type says (RestAssured would form-encode them).
    private static final RestAssuredConfig RAW_BODY = RestAssured.config()
            .encoderConfig(EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false)
                    .encodeContentTypeAs("application/x-www-form-urlencoded", ContentType.BINARY));

    @Test
    void a_browser_call_as_text_plain_with_the_write_key_in_the_body_is_accepted() {
        String messageId = "browser-" + UUID.randomUUID();
        given().config(RAW_BODY).contentType("text/plain").header("Origin", "https://shop.example")
                .body(utf8("{\"writeKey\":\"" + WriteKeysTestResource.BACKEND_KEY + "\",\"messageId\":\"" + messageId
                        + "\",\"anonymousId\":\"anon-1\",\"event\":\"Product Viewed\"}"))
                .when().post("/v1/t")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", "https://shop.example")
                .body("results[0].messageId", equalTo(messageId))
                .body("results[0].outcome", equalTo("ACCEPTED"));
    }

    @Test
    void a_gzip_body_labelled_as_form_data_is_read_as_json_and_the_batch_context_reaches_the_topic()
            throws Exception {
        String messageId = "gzip-" + UUID.randomUUID();
        String body = "{\"context\":{\"library\":{\"name\":\"rudder-node\"},\"locale\":\"en-GB\"},\"batch\":[{\"type\":"
                + "\"track\",\"messageId\":\"" + messageId + "\",\"userId\":\"u-gzip\",\"event\":\"Order Completed\","
                + "\"context\":{\"locale\":\"de-DE\"}}],\"sentAt\":\"2026-01-01T00:00:00Z\"}";
        given().config(RAW_BODY).contentType("application/x-www-form-urlencoded").header("Content-Encoding", "gzip")
                .auth().preemptive().basic(WriteKeysTestResource.BACKEND_KEY, "")
                .body(SegmentEventReaderTest.gzip(utf8(body)))
                .when().post("/v1/import")
                .then().statusCode(200).body("results[0].outcome", equalTo("ACCEPTED"));

        List<Event> landed = TopicReader.read(SegmentBadInputTest.GOVERNED_TOPIC,
                r -> messageId.equals(SegmentBadInputTest.parse(r.value()).getMessageId()), 1, Duration.ofSeconds(20))
                .stream().map(r -> SegmentBadInputTest.parse(r.value())).toList();
        assertEquals(1, landed.size());
        var context = landed.get(0).getContext();
        assertEquals("de-DE", context.getFieldsOrThrow("locale").getStringValue(), "the event's own key wins");
        assertEquals("rudder-node", context.getFieldsOrThrow("library").getMapValue().getFieldsOrThrow("name")
                .getStringValue(), "the batch's context is merged in");
    }

    @Test
    void a_sec_gpc_header_reaches_consent_as_a_global_privacy_control_signal() throws Exception {
        String messageId = "gpc-" + UUID.randomUUID();
        given().config(RAW_BODY).contentType("application/json").header("Sec-GPC", "1")
                .auth().preemptive().basic(WriteKeysTestResource.BACKEND_KEY, "")
                .body(utf8("{\"messageId\":\"" + messageId + "\",\"userId\":\"u-gpc\",\"name\":\"Home\"}"))
                .when().post("/v1/page")
                .then().statusCode(200);
        var signals = TopicReader.read("cairn.consent.signals.v1", r -> {
            try {
                return messageId.equals(ConsentSignal.parseFrom(r.value()).getMessageId());
            } catch (InvalidProtocolBufferException e) {
                return false;
            }
        }, 1, Duration.ofSeconds(20));
        assertEquals(1, signals.size(), "one consent signal for the event");
        assertTrue(ConsentSignal.parseFrom(signals.get(0).value()).getGlobalPrivacyControl());
    }

    @Test
    void a_quarantined_event_keeps_what_was_sent_except_the_write_key() throws Exception {
        String messageId = "quarantined-" + UUID.randomUUID();
        given().config(RAW_BODY).contentType("text/plain")
                .body(utf8("{\"writeKey\":\"" + WriteKeysTestResource.BACKEND_KEY + "\",\"messageId\":\"" + messageId
                        + "\",\"userId\":\"u-q\",\"event\":\"Order Completed\",\"properties\":[\"not\",\"an\",\"object\"]}"))
                .when().post("/v1/track")
                .then().statusCode(200)
                .body("results[0].outcome", equalTo("QUARANTINED"))
                .body("results[0].violations[0].jsonPath", equalTo("$.properties"));
        var records = TopicReader.read("cairn.events.quarantine.v1", r -> {
            try {
                return messageId.equals(QuarantinedEvent.parseFrom(r.value()).getMessageId());
            } catch (InvalidProtocolBufferException e) {
                return false;
            }
        }, 1, Duration.ofSeconds(20));
        assertEquals(1, records.size(), "the event is in quarantine, once");
        QuarantinedEvent quarantined = QuarantinedEvent.parseFrom(records.get(0).value());
        String payload = quarantined.getPayload().toStringUtf8();
        assertTrue(payload.contains("[\"not\",\"an\",\"object\"]"), payload);
        assertFalse(payload.contains(WriteKeysTestResource.BACKEND_KEY), "the write key is a secret: " + payload);
        assertEquals("http", quarantined.getTransport());
        assertEquals("backend", quarantined.getSourceId());
    }

    @Test
    void an_event_without_a_message_id_is_given_one() {
        given().config(RAW_BODY).contentType("application/json")
                .auth().preemptive().basic(WriteKeysTestResource.BACKEND_KEY, "")
                .body(utf8("{\"userId\":\"u-noid\",\"traits\":{\"plan\":\"pro\"}}"))
                .when().post("/v1/identify")
                .then().statusCode(200)
                .body("results[0].outcome", equalTo("ACCEPTED"))
                .body("results[0].messageId", not(emptyOrNullString()));
    }

    @Test
    void a_cors_preflight_from_any_origin_is_allowed_for_the_headers_sdks_send() {
        given().header("Origin", "https://app.example").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,content-encoding")
                .when().options("/v1/batch")
                .then().statusCode(204)
                .header("Access-Control-Allow-Origin", "https://app.example")
                .header("Access-Control-Allow-Methods", containsString("POST"))
                .header("Access-Control-Allow-Headers", containsString("Content-Encoding"))
                .header("Access-Control-Allow-Headers", containsString("Authorization"));
    }

    @Test
    void analytics_js_settings_point_it_at_this_server_for_a_known_key_only() {
        given().header("Origin", "https://app.example")
                .when().get("/v1/projects/" + WriteKeysTestResource.WEB_KEY + "/settings")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", "https://app.example")
                .body("integrations.'Segment.io'.apiKey", equalTo(WriteKeysTestResource.WEB_KEY))
                .body("integrations.'Segment.io'.apiHost", containsString("/v1"))
                .body("integrations.'Segment.io'.protocol", equalTo("http"));
        given().when().get("/v1/projects/not-a-key/settings")
                .then().statusCode(404).body("error", equalTo("unknown_write_key"));
    }

    @Test
    void an_unknown_endpoint_and_an_unsupported_encoding_are_refused_with_a_reason() {
        given().auth().preemptive().basic(WriteKeysTestResource.BACKEND_KEY, "").contentType("application/json")
                .body("{}").when().post("/v1/purchase")
                .then().statusCode(404).body("error", equalTo("unknown_endpoint"));
        given().config(RAW_BODY).auth().preemptive().basic(WriteKeysTestResource.BACKEND_KEY, "")
                .contentType("application/json").header("Content-Encoding", "br").body(new byte[]{1, 2, 3})
                .when().post("/v1/batch")
                .then().statusCode(415).body("error", equalTo("unsupported_encoding"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
