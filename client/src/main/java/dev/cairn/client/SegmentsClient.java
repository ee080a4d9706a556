package dev.cairn.client;

import java.util.List;

import io.grpc.Channel;

import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.ListMembershipsResponse;
import dev.cairn.proto.segments.v1.MembershipAnswer;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;

/** Which audiences a profile is in: segments' IsMember and ListMemberships (role {@code segments.read}). */
public final class SegmentsClient {

    private final SegmentsServiceGrpc.SegmentsServiceBlockingStub stub;
    private final CairnClient.Calls calls;

    SegmentsClient(Channel channel, CairnClient.Calls calls) {
        this.stub = SegmentsServiceGrpc.newBlockingStub(channel);
        this.calls = calls;
    }

    /** Whether the profile an identifier resolves to is in the segment now. */
    public boolean isMember(Identifier identifier, String segmentId) {
        return isMember(List.of(MembershipQuery.newBuilder().setProfile(profile(identifier)).setSegmentId(segmentId)
                .build())).get(0).getMember();
    }

    /** Many membership questions in one call; the answers are in the order asked. */
    public List<MembershipAnswer> isMember(List<MembershipQuery> queries) {
        return calls.prepare(stub).isMember(IsMemberRequest.newBuilder().addAllQueries(queries).build())
                .getAnswersList();
    }

    /** Every segment the profile an identifier resolves to is in now. */
    public ListMembershipsResponse listMemberships(Identifier identifier) {
        return calls.prepare(stub).listMemberships(ListMembershipsRequest.newBuilder().setProfile(profile(identifier))
                .build());
    }

    /** Every segment the profile is in now, by the profile id identity resolved. */
    public ListMembershipsResponse listMemberships(String profileId) {
        return calls.prepare(stub).listMemberships(ListMembershipsRequest.newBuilder()
                .setProfile(ProfileRef.newBuilder().setProfileId(profileId)).build());
    }

    private static ProfileRef profile(Identifier identifier) {
        return ProfileRef.newBuilder().setIdentifier(identifier).build();
    }
}
