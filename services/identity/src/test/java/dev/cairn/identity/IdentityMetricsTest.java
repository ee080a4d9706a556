package dev.cairn.identity;

import static dev.cairn.identity.IdentityFixture.id;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.Resolution;

/** The meters an operator watches are exported on the management port. */
@QuarkusTest
class IdentityMetricsTest {

    @Test
    void resolve_latency_change_rates_match_rate_and_profile_size_are_exported() {
        Identifier user = id("user_id", IdentityFixture.unique("m"));
        IdentityFixture.publish(IdentityFixture.links(user, id("anonymous_id", IdentityFixture.unique("m"))));
        ManagedChannel channel = IdentityFixture.channel();
        try {
            IdentityFixture.awaitResolution(channel, user, Resolution::getFound);
        } finally {
            channel.shutdownNow();
        }
        int port = ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
        String metrics = RestAssured.get("http://127.0.0.1:" + port + "/q/metrics").then().statusCode(200).extract()
                .asString();
        for (String meter : new String[]{"cairn_identity_resolve_latency_seconds_bucket",
                "cairn_identity_changes_total{kind=\"linked\",rule=\"link\"}", "cairn_identity_links_total",
                "cairn_identity_profile_size", "kafka_consumer_fetch_manager_records_lag"}) {
            assertTrue(metrics.contains(meter), meter + " is exported");
        }
    }
}
