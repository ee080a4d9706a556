package dev.cairn.segments.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.cairn.platform.audit.AuditedRead;
import dev.cairn.platform.audit.AuditedReads;
import dev.cairn.platform.audit.ReadSubject;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.GetTraitsResponse;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.IsMemberResponse;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.ListMembershipsResponse;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;

/**
 * Segments' reads of personal data, recorded by platform's read audit: the profile as the caller named it, and the
 * profile id it resolved to. IsMember is here too: "is this person in the audience" reveals membership as
 * ListMemberships does. The streaming RPCs (StreamMembers, WatchMembershipChanges) are not recorded yet.
 */
@ApplicationScoped
public class SegmentsReads implements AuditedReads {

    @Override
    public String service() {
        return "segments";
    }

    @Override
    public Map<String, AuditedRead<?, ?>> reads() {
        return Map.of(
                SegmentsServiceGrpc.getGetTraitsMethod().getFullMethodName(),
                AuditedRead.<GetTraitsRequest, GetTraitsResponse>of("segments.traits.read", List.of("traits"),
                        (request, response) -> subjects(request.getProfile(), response.getProfileId())),
                SegmentsServiceGrpc.getListMembershipsMethod().getFullMethodName(),
                AuditedRead.<ListMembershipsRequest, ListMembershipsResponse>of("segments.memberships.read",
                        List.of("memberships"),
                        (request, response) -> subjects(request.getProfile(), response.getProfileId())),
                SegmentsServiceGrpc.getIsMemberMethod().getFullMethodName(),
                AuditedRead.<IsMemberRequest, IsMemberResponse>of("segments.is_member", List.of("memberships"),
                        (request, response) -> {
                            List<ReadSubject> subjects = new ArrayList<>();
                            for (int i = 0; i < request.getQueriesCount(); i++) {
                                // Answers come in request order, one per query.
                                String resolved = i < response.getAnswersCount()
                                        ? response.getAnswers(i).getProfileId()
                                        : "";
                                subjects.addAll(subjects(request.getQueries(i).getProfile(), resolved));
                            }
                            return subjects;
                        }));
    }

    private static List<ReadSubject> subjects(ProfileRef ref, String resolvedProfileId) {
        List<ReadSubject> subjects = new ArrayList<>(2);
        if (ref.hasIdentifier()) {
            subjects.add(ReadSubject.of(SubjectKeys.key(ref.getIdentifier().getNamespace(),
                    ref.getIdentifier().getValue())));
        } else if (!ref.getProfileId().isEmpty()) {
            subjects.add(ReadSubject.profile(ref.getProfileId()));
        }
        if (!resolvedProfileId.isEmpty()) {
            // The same subject twice in one read is recorded once (platform dedups by hash).
            subjects.add(ReadSubject.profile(resolvedProfileId));
        }
        return subjects;
    }
}
