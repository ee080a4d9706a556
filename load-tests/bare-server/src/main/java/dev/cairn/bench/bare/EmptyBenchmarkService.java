package dev.cairn.bench.bare;

import io.grpc.benchmarks.proto.BenchmarkServiceGrpc;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;

/**
 * The empty unary call: answers {@code grpc.testing.BenchmarkService/UnaryCall} with an empty response,
 * on the event loop, so that what is left is the cost of the framework (Quarkus gRPC on Vert.x, HTTP/2,
 * protobuf) that every Cairn service pays before doing its own work. Reusing grpc-java's benchmark
 * service means grpc-java's own benchmark client can call this server too.
 */
@GrpcService
public class EmptyBenchmarkService extends BenchmarkServiceGrpc.BenchmarkServiceImplBase {

    private static final SimpleResponse EMPTY = SimpleResponse.getDefaultInstance();

    @Override
    public void unaryCall(SimpleRequest request, StreamObserver<SimpleResponse> responseObserver) {
        responseObserver.onNext(EMPTY);
        responseObserver.onCompleted();
    }
}
