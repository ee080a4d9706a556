package dev.cairn.segments.service;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.proto.events.v1.MapValue;
import dev.cairn.proto.segments.v1.GetTraitsRequest;
import dev.cairn.proto.segments.v1.GetTraitsResponse;
import dev.cairn.proto.segments.v1.IsMemberRequest;
import dev.cairn.proto.segments.v1.IsMemberResponse;
import dev.cairn.proto.segments.v1.ListMembershipsRequest;
import dev.cairn.proto.segments.v1.ListMembershipsResponse;
import dev.cairn.proto.segments.v1.Member;
import dev.cairn.proto.segments.v1.Membership;
import dev.cairn.proto.segments.v1.MembershipAnswer;
import dev.cairn.proto.segments.v1.MembershipQuery;
import dev.cairn.proto.segments.v1.ProfileRef;
import dev.cairn.proto.segments.v1.StreamMembersRequest;
import dev.cairn.proto.segments.v1.StreamMembersResponse;
import dev.cairn.segments.definition.SegmentCatalog;
import dev.cairn.segments.definition.SegmentDefinition;
import dev.cairn.segments.store.MembershipReader;

/** Request-time answers from Redis: validation, identifier resolution, and the reads. */
@ApplicationScoped
public class SegmentQueries {

    static final int MAX_QUERIES = 1000;
    static final int DEFAULT_PAGE = 500;
    static final int MAX_PAGE = 5000;

    @Inject
    MembershipReader reader;
    @Inject
    SegmentCatalog catalog;

    public Uni<IsMemberResponse> isMember(IsMemberRequest request) {
        List<FieldViolation> violations = new ArrayList<>();
        if (request.getQueriesCount() == 0) {
            violations.add(new FieldViolation("queries", "must not be empty"));
        } else if (request.getQueriesCount() > MAX_QUERIES) {
            violations.add(new FieldViolation("queries", "at most " + MAX_QUERIES + " per call"));
        }
        for (int i = 0; i < request.getQueriesCount(); i++) {
            MembershipQuery q = request.getQueries(i);
            checkProfile(q.getProfile(), "queries[" + i + "].profile", violations);
            checkSegment(q.getSegmentId(), "queries[" + i + "].segment_id", violations);
        }
        if (!violations.isEmpty()) {
            return Uni.createFrom().failure(new InvalidRequestException(violations));
        }
        List<Uni<MembershipAnswer>> answers = new ArrayList<>();
        for (MembershipQuery q : request.getQueriesList()) {
            answers.add(membership(q.getProfile(), q.getSegmentId()).map(found -> {
                MembershipReader.StoredMembership m = found.value();
                MembershipAnswer.Builder a = MembershipAnswer.newBuilder().setProfileId(found.profileId())
                        .setSegmentId(q.getSegmentId())
                        .setDefinitionVersion(catalog.get(q.getSegmentId()).orElseThrow().version());
                if (m != null && m.member()) {
                    a.setMember(true).setSince(ProfileEngine.timestamp(m.since()))
                            .setDefinitionVersion(m.definitionVersion());
                }
                return a.build();
            }));
        }
        return Uni.join().all(answers).andFailFast()
                .map(list -> IsMemberResponse.newBuilder().addAllAnswers(list).build());
    }

    public Uni<ListMembershipsResponse> listMemberships(ListMembershipsRequest request) {
        List<FieldViolation> violations = new ArrayList<>();
        checkProfile(request.getProfile(), "profile", violations);
        if (!violations.isEmpty()) {
            return Uni.createFrom().failure(new InvalidRequestException(violations));
        }
        return memberships(request.getProfile()).map(found -> {
            ListMembershipsResponse.Builder b = ListMembershipsResponse.newBuilder().setProfileId(found.profileId());
            found.value().stream().filter(MembershipReader.StoredMembership::member)
                    .sorted((x, y) -> x.segmentId().compareTo(y.segmentId()))
                    .forEach(m -> b.addMemberships(Membership.newBuilder().setSegmentId(m.segmentId())
                            .setSince(ProfileEngine.timestamp(m.since())).setDefinitionVersion(m.definitionVersion())
                            .setMembershipVersion(m.version())));
            return b.build();
        });
    }

    public Uni<GetTraitsResponse> getTraits(GetTraitsRequest request) {
        List<FieldViolation> violations = new ArrayList<>();
        checkProfile(request.getProfile(), "profile", violations);
        if (!violations.isEmpty()) {
            return Uni.createFrom().failure(new InvalidRequestException(violations));
        }
        return resolve(request.getProfile()).chain(profileId -> reader.traits(profileId).map(traits -> {
            GetTraitsResponse.Builder b = GetTraitsResponse.newBuilder().setProfileId(profileId);
            MapValue.Builder values = MapValue.newBuilder();
            for (Map.Entry<String, MembershipReader.StoredTrait> t : traits.entrySet()) {
                if (request.getTraitNamesCount() > 0 && !request.getTraitNamesList().contains(t.getKey())) {
                    continue;
                }
                values.putFields(t.getKey(), ProfileEngine.parse(t.getValue().value()));
                b.putUpdatedAt(t.getKey(), ProfileEngine.timestamp(t.getValue().time()));
            }
            return b.setTraits(values).build();
        }));
    }

    /** Pages through the segment's member index; each page's cursor is the last profile id, opaque to callers. */
    public Multi<StreamMembersResponse> streamMembers(StreamMembersRequest request) {
        List<FieldViolation> violations = new ArrayList<>();
        checkSegment(request.getSegmentId(), "segment_id", violations);
        if (request.getPageSize() < 0 || request.getPageSize() > MAX_PAGE) {
            violations.add(new FieldViolation("page_size", "between 0 (default " + DEFAULT_PAGE + ") and " + MAX_PAGE));
        }
        String start;
        try {
            start = request.getCursor().isEmpty()
                    ? ""
                    : new String(Base64.getUrlDecoder().decode(request.getCursor()),
                            java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            violations.add(new FieldViolation("cursor", "not a cursor this service returned"));
            start = "";
        }
        if (!violations.isEmpty()) {
            return Multi.createFrom().failure(new InvalidRequestException(violations));
        }
        SegmentDefinition d = catalog.get(request.getSegmentId()).orElseThrow();
        int pageSize = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
        String first = start;
        return Multi.createBy().repeating()
                .uni(() -> new java.util.concurrent.atomic.AtomicReference<>(first),
                        after -> page(d, after, pageSize))
                .until(page -> page.getMembersCount() == 0);
    }

    private Uni<StreamMembersResponse> page(SegmentDefinition d,
            java.util.concurrent.atomic.AtomicReference<String> after,
            int pageSize) {
        return reader.members(d.id(), after.get(), pageSize).chain(ids -> {
            if (ids.isEmpty()) {
                return Uni.createFrom().item(StreamMembersResponse.getDefaultInstance());
            }
            List<Uni<Member>> members = new ArrayList<>();
            for (String id : ids) {
                members.add(reader.membership(id, d.id()).map(m -> {
                    Member.Builder b = Member.newBuilder().setProfileId(id);
                    if (m != null) {
                        b.setSince(ProfileEngine.timestamp(m.since()));
                    }
                    return b.build();
                }));
            }
            String last = ids.get(ids.size() - 1);
            after.set(last);
            return Uni.join().all(members).andFailFast().map(list -> StreamMembersResponse.newBuilder()
                    .addAllMembers(list).setDefinitionVersion(d.version())
                    .setCursor(Base64.getUrlEncoder().withoutPadding()
                            .encodeToString(last.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .build());
        });
    }

    /** By identifier: the profile it belongs to now (past a merge in flight); by profile id: exactly that one. */
    private Uni<MembershipReader.Located<MembershipReader.StoredMembership>> membership(ProfileRef ref,
            String segmentId) {
        if (ref.hasIdentifier()) {
            return reader.membershipOf(identifier(ref), segmentId);
        }
        return reader.membership(ref.getProfileId(), segmentId)
                .map(m -> new MembershipReader.Located<>(ref.getProfileId(), m));
    }

    private Uni<MembershipReader.Located<List<MembershipReader.StoredMembership>>> memberships(ProfileRef ref) {
        if (ref.hasIdentifier()) {
            return reader.membershipsOf(identifier(ref));
        }
        return reader.memberships(ref.getProfileId()).map(l -> new MembershipReader.Located<>(ref.getProfileId(), l));
    }

    private static String identifier(ProfileRef ref) {
        return ref.getIdentifier().getNamespace() + ":" + ref.getIdentifier().getValue();
    }

    private Uni<String> resolve(ProfileRef ref) {
        if (ref.hasIdentifier()) {
            return reader.resolve(identifier(ref));
        }
        return Uni.createFrom().item(ref.getProfileId());
    }

    private static void checkProfile(ProfileRef ref, String field, List<FieldViolation> violations) {
        switch (ref.getRefCase()) {
            case PROFILE_ID -> {
                if (ref.getProfileId().isBlank()) {
                    violations.add(new FieldViolation(field + ".profile_id", "must not be empty"));
                }
            }
            case IDENTIFIER -> {
                if (ref.getIdentifier().getNamespace().isBlank() || ref.getIdentifier().getValue().isBlank()) {
                    violations.add(new FieldViolation(field + ".identifier", "namespace and value are required"));
                }
            }
            default -> violations.add(new FieldViolation(field, "required: a profile_id or an identifier"));
        }
    }

    private void checkSegment(String segmentId, String field, List<FieldViolation> violations) {
        if (segmentId.isEmpty()) {
            violations.add(new FieldViolation(field, "required"));
        } else if (catalog.get(segmentId).isEmpty()) {
            violations.add(new FieldViolation(field, "no segment '" + segmentId + "' in contracts/segments/"));
        }
    }
}
