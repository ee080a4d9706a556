package dev.cairn.ingest;

import static dev.cairn.ingest.IngestFixtures.id;
import static dev.cairn.ingest.IngestFixtures.order;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.google.rpc.BadRequest;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.quarkus.test.junit.QuarkusTest;

import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.events.v1.Value;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.ingest.v1.IngestStreamRequest;
import dev.cairn.testsupport.TestTokens;

/**
 * A request message that does not parse is refused with INVALID_ARGUMENT and a field violation: not
 * "INTERNAL: Half-closed without a request", and in a client stream not a silently dropped message followed by a
 * hang until the deadline.
 */
@QuarkusTest
class UnparseableRequestTest {

    @Test
    void garbage_bytes_and_nesting_past_protobufs_limit_are_invalid_argument_with_a_field_violation() {
        ManagedChannel channel = TestChannels.open();
        try {
            byte[] garbage = {0x12, 0x7f, 0x01, (byte) 0xff, 0x00, 0x2a};
            assertRefused(assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(channel,
                    raw(IngestServiceGrpc.getIngestBatchMethod()), options(), garbage)));
            byte[] tooDeep = IngestBatchRequest.newBuilder().setSourceId("backend")
                    .addEvents(order(id("deep"), id("u")).toBuilder().setProperties(nested(40))).build().toByteArray();
            assertRefused(assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(channel,
                    raw(IngestServiceGrpc.getIngestBatchMethod()), options(), tooDeep)));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void an_unparseable_message_in_a_client_stream_refuses_the_stream_at_once() throws Exception {
        ManagedChannel channel = TestChannels.open();
        try {
            ClientCall<byte[], byte[]> call = channel.newCall(raw(IngestServiceGrpc.getIngestStreamMethod()),
                    options().withDeadlineAfter(30, TimeUnit.SECONDS));
            CompletableFuture<Status> closed = new CompletableFuture<>();
            Metadata[] trailers = new Metadata[1];
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onClose(Status status, Metadata t) {
                    trailers[0] = t;
                    closed.complete(status);
                }
            }, new Metadata());
            call.request(1);
            call.sendMessage(IngestStreamRequest.newBuilder().setSourceId("backend")
                    .addEvents(order(id("s"), id("u"))).build().toByteArray());
            call.sendMessage(new byte[]{0x12, 0x7f, 0x01});
            call.halfClose();
            Status status = closed.get(20, TimeUnit.SECONDS);
            assertRefused(status.asRuntimeException(trailers[0]));
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } finally {
            channel.shutdownNow();
        }
    }

    private static void assertRefused(StatusRuntimeException e) {
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        assertTrue(details != null && details.getDetailsList().stream().anyMatch(d -> d.is(BadRequest.class)),
                "no field violations: " + e.getStatus());
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withCallCredentials(TestTokens.bearer(IngestFixtures.token("ingest.write")))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static MapValue nested(int levels) {
        MapValue map = MapValue.newBuilder().putFields("leaf", Value.newBuilder().setStringValue("x").build()).build();
        for (int i = 1; i < levels; i++) {
            map = MapValue.newBuilder().putFields("k", Value.newBuilder().setMapValue(map).build()).build();
        }
        return map;
    }

    /** The method with bytes as they are on both sides, so the server parses what no client library writes. */
    private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
        MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        return method.toBuilder(bytes, bytes).build();
    }
}
