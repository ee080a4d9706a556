package dev.cairn.ingest;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

import dev.cairn.testsupport.KafkaResource;
import dev.cairn.testsupport.RedisResource;
import dev.cairn.testsupport.TestTokens;

/** Every test of this module runs against the real Kafka and Redis of test-support, and signed tokens. */
@QuarkusTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "service", value = "ingest"))
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(TestTokens.class)
public class RealInfraTestResources {
}
