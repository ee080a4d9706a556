package dev.cairn.identity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.testsupport.HostileRpcCheck;
import dev.cairn.testsupport.RpcAuthorizationCheck;

/**
 * Defence in depth: with the HTTP role policy switched off, the gRPC interceptor (RpcRoleInterceptor) alone still
 * refuses every RPC to callers without a valid token and the role, however the request is framed.
 */
@QuarkusTest
@TestProfile(RpcRoleInterceptorAloneTest.WithoutHttpPolicy.class)
class RpcRoleInterceptorAloneTest {

    public static class WithoutHttpPolicy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.auth.permission.rpc.enabled", "false");
        }
    }

    @TestFactory
    List<DynamicTest> every_rpc_is_refused_at_dispatch_without_the_http_policy() {
        List<DynamicTest> tests = new ArrayList<>(
                RpcAuthorizationCheck.tests(IdentityFixture.port(), IdentityServiceGrpc.getServiceDescriptor()));
        tests.addAll(HostileRpcCheck.dispatchTests(IdentityFixture.port(), IdentityServiceGrpc.getServiceDescriptor()));
        return tests;
    }
}
