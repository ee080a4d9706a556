package dev.cairn.segments;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

import dev.cairn.testsupport.KafkaResource;
import dev.cairn.testsupport.RedisResource;
import dev.cairn.testsupport.TestTokens;

/** Every @QuarkusTest of this module runs against the real Kafka and Redis of test-support, and signed tokens. */
@QuarkusTestResource(value = KafkaResource.class, initArgs = @ResourceArg(name = "service", value = "segments"))
@QuarkusTestResource(RedisResource.class)
@QuarkusTestResource(TestTokens.class)
@QuarkusTestResource(FreshStreamsState.class)
public class RealInfraTestResources {
}
