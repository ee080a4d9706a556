package dev.cairn.cli;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;

import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** A gRPC failure as a person reads it. */
final class GrpcFailure {

    private GrpcFailure() {
    }

    /** The status code, its description, and one line per field violation the server sent (google.rpc.BadRequest). */
    static String describe(StatusRuntimeException e) {
        StringBuilder b = new StringBuilder(e.getStatus().getCode().name());
        String description = e.getStatus().getDescription();
        if (description != null && description.startsWith("HTTP status code 401")) {
            b.append(": no valid bearer token (CAIRN_TOKEN, or ./cairn token)");
        } else if (description != null && description.startsWith("HTTP status code 403")) {
            b.append(": the token lacks the role this RPC requires (see the role table in README.md)");
        } else if (description != null) {
            b.append(": ").append(description);
        }
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        if (details != null) {
            for (Any any : details.getDetailsList()) {
                if (any.is(BadRequest.class)) {
                    try {
                        for (BadRequest.FieldViolation v : any.unpack(BadRequest.class).getFieldViolationsList()) {
                            b.append("\n  ").append(v.getField()).append(": ").append(v.getDescription());
                        }
                    } catch (InvalidProtocolBufferException ignored) {
                        // Details are a courtesy; the code and message above still stand.
                    }
                }
            }
        }
        return b.toString();
    }
}
