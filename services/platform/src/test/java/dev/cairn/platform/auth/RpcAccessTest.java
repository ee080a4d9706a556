package dev.cairn.platform.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.cairn.platform.auth.RpcAccess.Kind;

class RpcAccessTest {

    private static final String RESOLVE = "cairn.identity.v1.IdentityService/Resolve";
    private static final RpcRoles TABLE = RpcRoles.of(Map.of(RESOLVE, "identity.read"),
            Set.of(RESOLVE, "cairn.identity.v1.IdentityService/Unguarded", "grpc.health.v1.Health/Check"));

    private static RpcAccess.Requirement decide(String raw, String normalized, String... contentTypes) {
        return RpcAccess.decide(TABLE, raw, normalized, List.of(contentTypes));
    }

    @Test
    void a_served_rpc_needs_its_role_whatever_the_content_type() {
        for (List<String> types : List.<List<String>>of(List.of("application/grpc"), List.of("Application/grpc"),
                List.of("APPLICATION/GRPC+PROTO"), List.of("application/grpc-web"), List.of(), List.of("text/plain"),
                List.of("text/plain", "application/grpc"))) {
            var required = RpcAccess.decide(TABLE, "/" + RESOLVE, "/" + RESOLVE, types);
            assertEquals(Kind.ROLES, required.kind(), types.toString());
            assertEquals(Set.of("identity.read"), required.roles());
        }
    }

    @Test
    void a_served_rpc_named_by_the_raw_or_the_normalized_path_needs_its_role() {
        // gRPC dispatches on the raw path; the HTTP permission matcher sees the normalized one.
        assertEquals(Kind.ROLES, decide("/" + RESOLVE, "/something-else").kind());
        assertEquals(Kind.ROLES, decide("//" + RESOLVE, "/" + RESOLVE).kind());
        assertEquals(Kind.ROLES, decide("/x/../" + RESOLVE, "/" + RESOLVE).kind());
        assertEquals(Kind.ROLES, decide("/%63airn.identity.v1.IdentityService/Resolve", "/" + RESOLVE).kind());
        // %2F is left encoded by the normalizer; a reader that decodes it would see the RPC.
        assertEquals(Kind.ROLES, decide("/cairn.identity.v1.IdentityService%2FResolve",
                "/cairn.identity.v1.IdentityService%2FResolve").kind());
        assertEquals(Kind.NOT_AN_RPC, decide("/cairn.identity.v1.IdentityService%2", "/x").kind(), "malformed");
    }

    @Test
    void a_served_rpc_without_a_role_is_refused_to_everyone() {
        assertEquals(Kind.NOBODY, decide("/cairn.identity.v1.IdentityService/Unguarded", "/x").kind());
    }

    @Test
    void health_and_reflection_are_open_but_only_by_their_exact_names() {
        assertEquals(Kind.OPEN, decide("/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Check").kind());
        assertEquals(Kind.OPEN, decide("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "application/grpc").kind());
        assertEquals(Kind.ROLES, decide("/grpc.health.v1.Health/../../" + RESOLVE, "/" + RESOLVE).kind());
        assertEquals(Kind.AUTHENTICATED, decide("/grpc.health.v1.Health/Check/x", "/grpc.health.v1.Health/Check/x")
                .kind());
    }

    @Test
    void unknown_rpc_shaped_paths_and_grpc_framed_requests_need_an_authenticated_caller() {
        assertEquals(Kind.AUTHENTICATED,
                decide("/cairn.identity.v1.IdentityService/Nope", "/cairn.identity.v1.IdentityService/Nope").kind());
        assertEquals(Kind.AUTHENTICATED, decide("/" + RESOLVE + "/", "/" + RESOLVE + "/").kind());
        assertEquals(Kind.AUTHENTICATED, decide("/anything", "/anything", "Application/GRPC").kind());
    }

    @Test
    void the_segment_http_api_is_not_an_rpc() {
        assertEquals(Kind.NOT_AN_RPC, decide("/v1/track", "/v1/track", "application/json").kind());
        assertEquals(Kind.NOT_AN_RPC, decide("/v1/batch", "/v1/batch").kind());
        assertEquals(Kind.NOT_AN_RPC, decide("/v1/projects/k/settings", "/v1/projects/k/settings").kind());
    }
}
