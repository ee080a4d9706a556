package dev.cairn.client;

import java.util.List;

import io.grpc.Channel;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.identity.v1.BatchResolveRequest;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.identity.v1.Resolution;
import dev.cairn.proto.identity.v1.ResolveRequest;

/** Who a visitor is: identity's Resolve and BatchResolve (role {@code identity.read}). */
public final class IdentityClient {

    private final IdentityServiceGrpc.IdentityServiceBlockingStub stub;
    private final CairnClient.Calls calls;

    IdentityClient(Channel channel, CairnClient.Calls calls) {
        this.stub = IdentityServiceGrpc.newBlockingStub(channel);
        this.calls = calls;
    }

    /**
     * The profile an identifier belongs to ({@link Resolution#getFound()} false for one never seen, and
     * {@link Resolution#getAmbiguous()} for a shared device id, which is attributed to no one).
     */
    public Resolution resolve(Identifier identifier) {
        return calls.prepare(stub).resolve(ResolveRequest.newBuilder().setIdentifier(identifier).build())
                .getResolution();
    }

    /** Resolves many identifiers in one call; the answers are in the order asked. */
    public List<Resolution> batchResolve(List<Identifier> identifiers) {
        return calls.prepare(stub).batchResolve(BatchResolveRequest.newBuilder().addAllIdentifiers(identifiers).build())
                .getResolutionsList();
    }
}
