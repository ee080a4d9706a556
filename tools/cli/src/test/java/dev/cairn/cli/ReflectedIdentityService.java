package dev.cairn.cli;

import io.quarkus.grpc.GrpcService;

import dev.cairn.proto.identity.v1.MutinyIdentityServiceGrpc;

/**
 * A gRPC service for the CLI's own tests to reflect on: identity's interface served by Quarkus, with the server
 * reflection every Cairn service runs. Only its schema matters here: every RPC answers UNIMPLEMENTED.
 */
@GrpcService
public class ReflectedIdentityService extends MutinyIdentityServiceGrpc.IdentityServiceImplBase {
}
