package dev.cairn.ingest;

import java.util.List;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.testsupport.HostileRpcCheck;
import dev.cairn.testsupport.RpcAuthorizationCheck;
import dev.cairn.testsupport.ServerReflectionCheck;

@QuarkusTest
class IngestAuthorizationTest {

    @TestFactory
    List<DynamicTest> every_rpc_refuses_callers_without_a_valid_token_and_its_role() {
        // Authorized: the role and every source granted (an operator's re-drive of every source needs them all).
        return RpcAuthorizationCheck.tests(TestChannels.port(), IngestFixtures::token,
                IngestServiceGrpc.getServiceDescriptor());
    }

    @TestFactory
    List<DynamicTest> every_rpc_refuses_hostile_http2_requests_however_they_are_framed_or_addressed() {
        return HostileRpcCheck.tests(TestChannels.port(), IngestServiceGrpc.getServiceDescriptor());
    }

    @TestFactory
    List<DynamicTest> server_reflection_is_open_and_lists_every_service_whose_rpcs_still_need_a_token() {
        return ServerReflectionCheck.tests(TestChannels.port(), IngestServiceGrpc.getServiceDescriptor());
    }
}
