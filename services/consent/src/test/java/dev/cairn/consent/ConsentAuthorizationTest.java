package dev.cairn.consent;

import java.util.List;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.testsupport.RpcAuthorizationCheck;

@QuarkusTest
class ConsentAuthorizationTest {

    @TestFactory
    List<DynamicTest> every_rpc_refuses_callers_without_a_valid_token_and_its_role() {
        return RpcAuthorizationCheck.tests(TestChannels.port(), ConsentServiceGrpc.getServiceDescriptor());
    }
}
