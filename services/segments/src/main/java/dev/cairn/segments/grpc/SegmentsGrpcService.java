package dev.cairn.segments.grpc;

import jakarta.inject.Inject;

import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import dev.cairn.proto.segments.v1.EraseProfilesRequest;
import dev.cairn.proto.segments.v1.EraseProfilesResponse;
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.GetTraitsResponse;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.IsMemberResponse;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.ListMembershipsResponse;
import dev.cairn.proto.segments.v1.MutinySegmentsServiceGrpc;
import dev.cairn.proto.segments.v1.StreamMembersRequest;
import dev.cairn.proto.segments.v1.StreamMembersResponse;
import dev.cairn.proto.segments.v1.WatchMembershipChangesRequest;
import dev.cairn.proto.segments.v1.WatchMembershipChangesResponse;
import dev.cairn.segments.service.ChangeWatcher;
import dev.cairn.segments.service.ProfileEraser;
import dev.cairn.segments.service.SegmentQueries;

/** Thin adapter: every rpc delegates to the service layer; errors map in platform's one place. */
@GrpcService
public class SegmentsGrpcService extends MutinySegmentsServiceGrpc.SegmentsServiceImplBase {

    @Inject
    SegmentQueries queries;
    @Inject
    ChangeWatcher watcher;
    @Inject
    ProfileEraser eraser;

    @Override
    public Uni<IsMemberResponse> isMember(IsMemberRequest request) {
        return queries.isMember(request);
    }

    @Override
    public Uni<ListMembershipsResponse> listMemberships(ListMembershipsRequest request) {
        return queries.listMemberships(request);
    }

    @Override
    public Uni<GetTraitsResponse> getTraits(GetTraitsRequest request) {
        return queries.getTraits(request);
    }

    @Override
    public Multi<StreamMembersResponse> streamMembers(StreamMembersRequest request) {
        return queries.streamMembers(request);
    }

    @Override
    public Multi<WatchMembershipChangesResponse> watchMembershipChanges(WatchMembershipChangesRequest request) {
        return watcher.watch(request);
    }

    @Override
    public Uni<EraseProfilesResponse> eraseProfiles(EraseProfilesRequest request) {
        return eraser.erase(request);
    }
}
