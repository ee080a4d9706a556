package dev.cairn.client;

import io.grpc.Channel;

import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestBatchResponse;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;

/**
 * Events in: ingest's IngestBatch (role {@code ingest.write}, and the batch's source among the token's
 * {@code cairn_sources}).
 */
public final class IngestClient {

    private final IngestServiceGrpc.IngestServiceBlockingStub stub;
    private final CairnClient.Calls calls;

    IngestClient(Channel channel, CairnClient.Calls calls) {
        this.stub = IngestServiceGrpc.newBlockingStub(channel);
        this.calls = calls;
    }

    /**
     * Sends one batch; each event's outcome is in the response, by index. An event answered RETRY was not kept
     * (send it again with the same message id); ACCEPTED means written, once, whatever was retried.
     */
    public IngestBatchResponse ingestBatch(IngestBatchRequest batch) {
        return calls.prepare(stub).ingestBatch(batch);
    }
}
