package dev.cairn.ingest.http;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;

import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.QuarantinedEvent;
import dev.cairn.testsupport.TopicReader;

/**
 * The write key is the Segment HTTP API's grant: it names one source, and whatever the body says, the events are
 * that source's (issue 13, item 9, the HTTP half). The two test sources differ in what a caller would gain by
 * switching: {@code web} quarantines an unplanned event, {@code backend} forwards it with its violations.
 */
@QuarkusTest
class WriteKeySourceTest {

    /** An unplanned event whose body names the other source every way a client might try. */
    private static String namingBackend(String messageId) {
        return "{\"batch\":[{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"userId\":\"u-key\","
                + "\"event\":\"Not In The Plan\",\"sourceId\":\"backend\",\"source_id\":\"backend\","
                + "\"source\":\"backend\",\"context\":{\"source\":\"backend\",\"sourceId\":\"backend\"}}],"
                + "\"sourceId\":\"backend\",\"source_id\":\"backend\",\"source\":\"backend\"}";
    }

    @Test
    void the_write_key_of_one_source_cannot_write_as_another_whatever_the_body_names() throws Exception {
        String messageId = "key-web-" + UUID.randomUUID();
        given().contentType("application/json").auth().preemptive().basic(WriteKeysTestResource.WEB_KEY, "")
                .body(namingBackend(messageId))
                .when().post("/v1/batch")
                .then().statusCode(200).body("results[0].outcome", equalTo("QUARANTINED"));
        var records = TopicReader.read("cairn.events.quarantine.v1", r -> {
            try {
                return messageId.equals(QuarantinedEvent.parseFrom(r.value()).getMessageId());
            } catch (InvalidProtocolBufferException e) {
                return false;
            }
        }, 1, Duration.ofSeconds(20));
        assertEquals(1, records.size());
        assertEquals("web", QuarantinedEvent.parseFrom(records.get(0).value()).getSourceId());

        // The same body with backend's own key is backend's: the difference above is the key's, not the body's.
        given().contentType("application/json").auth().preemptive().basic(WriteKeysTestResource.BACKEND_KEY, "")
                .body(namingBackend("key-backend-" + UUID.randomUUID()))
                .when().post("/v1/batch")
                .then().statusCode(200).body("results[0].outcome", equalTo("ACCEPTED"));
    }
}
