package dev.cairn.consent.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import dev.cairn.consent.ConsentConfig;
import dev.cairn.consent.store.ConsentRecordEntity;
import dev.cairn.consent.store.ErasureRequestEntity;
import dev.cairn.consent.store.ErasureStepEntity;
import dev.cairn.consent.store.ProfileDirectory;
import dev.cairn.consent.store.SubjectProfileEntity;
import dev.cairn.platform.consent.ConsentStateView;
import dev.cairn.platform.consent.SubjectKeys;
import dev.cairn.platform.grpc.FieldViolation;
import dev.cairn.platform.grpc.InvalidRequestException;
import dev.cairn.platform.grpc.NotFoundException;
import dev.cairn.proto.consent.v1.ErasureStep;
import dev.cairn.proto.consent.v1.ErasureStepKind;
import dev.cairn.proto.consent.v1.ErasureStepStatus;
import dev.cairn.proto.consent.v1.GetErasureRequestResponse;
import dev.cairn.proto.consent.v1.RequestErasureRequest;
import dev.cairn.proto.events.v1.ErasureRequested;
import dev.cairn.proto.events.v1.Identifier;
import dev.cairn.proto.events.v1.SubjectSuppressed;
import dev.cairn.proto.identity.v1.EraseSubjectRequest;
import dev.cairn.proto.identity.v1.MutinyIdentityServiceGrpc;
import dev.cairn.proto.segments.v1.EraseProfilesRequest;
import dev.cairn.proto.segments.v1.MutinySegmentsServiceGrpc;

/**
 * Erasure (right to be forgotten) as a tracked request. RequestErasure stores the request with its five steps
 * PENDING and returns; the steps then run in order, each reporting DONE or FAILED (with why) into the request and
 * the audit trail:
 * <ol>
 * <li>IDENTITY — IdentityService.EraseSubject destroys the identifiers' keys and graph entries, and tells which
 * identifiers and profiles the subject had;</li>
 * <li>SEGMENTS — SegmentsService.EraseProfiles drops memberships, traits and state of those profiles;</li>
 * <li>INGEST_SUPPRESSION — one SubjectSuppressed (keyed hash) per identifier on
 * {@code cairn.privacy.suppression.v1}, so ingest drops the subject's future and replayed events;</li>
 * <li>TOPIC_TOMBSTONES — the subject's consent records and profile links are deleted from the ledger and a
 * tombstone per identifier goes to {@code cairn.consent.state.v1}; every view then decides ERASED;</li>
 * <li>SINK_NOTICE — ErasureRequested on {@code cairn.privacy.erasure.v1} for downstream sinks.</li>
 * </ol>
 * A call to another service that fails for a transient reason (UNAVAILABLE, DEADLINE_EXCEEDED) is retried a few
 * times; any other failure, or running out of attempts, is FAILED with the status in the detail — never a fake
 * DONE. The later steps still run: suppression and tombstones protect the subject even if identity is down.
 */
@ApplicationScoped
public class ErasureCoordinator {

    private static final Logger LOG = Logger.getLogger(ErasureCoordinator.class);
    static final String SUPPRESSION_TOPIC = "cairn.privacy.suppression.v1";
    static final String ERASURE_TOPIC = "cairn.privacy.erasure.v1";
    static final int MAX_ATTEMPTS = 3;
    static final List<ErasureStepKind> STEPS = List.of(ErasureStepKind.ERASURE_STEP_KIND_IDENTITY,
            ErasureStepKind.ERASURE_STEP_KIND_SEGMENTS, ErasureStepKind.ERASURE_STEP_KIND_INGEST_SUPPRESSION,
            ErasureStepKind.ERASURE_STEP_KIND_TOPIC_TOMBSTONES, ErasureStepKind.ERASURE_STEP_KIND_SINK_NOTICE);

    @Inject
    ProfileDirectory profiles;

    @Inject
    PrivacyAudit audit;

    @Inject
    DurablePublisher publisher;

    @Inject
    ConsentStateView view;

    @Inject
    ConsentConfig config;

    @Inject
    ServiceCredentials credentials;

    @Inject
    io.vertx.core.Vertx vertx;

    @Inject
    MeterRegistry metrics;

    @GrpcClient("identity")
    MutinyIdentityServiceGrpc.MutinyIdentityServiceStub identity;

    @GrpcClient("segments")
    MutinySegmentsServiceGrpc.MutinySegmentsServiceStub segments;

    /** What the steps learn about the subject as they go; kept in memory only, never stored. */
    static final class Subject {
        final Map<String, Identifier> identifiers = new LinkedHashMap<>();
        final Set<String> profileIds = new LinkedHashSet<>();
        boolean identityKnown;
    }

    public Uni<String> request(RequestErasureRequest request, String actor) {
        List<FieldViolation> problems = new ArrayList<>();
        ConsentDecider.subjectProblems("subject", request.getSubject(), problems);
        if (request.getReason().isBlank()) {
            problems.add(new FieldViolation("reason", "required, for the audit trail (e.g. a ticket reference)"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        String key = SubjectKeys.key(request.getSubject().getNamespace(), request.getSubject().getValue());
        String clientId = request.getClientRequestId().isBlank() ? null : request.getClientRequestId();
        return Panache.withTransaction(() -> (clientId == null
                ? Uni.createFrom().<ErasureRequestEntity>nullItem()
                : ErasureRequestEntity.<ErasureRequestEntity>find("clientRequestId", clientId).firstResult())
                .flatMap(existing -> {
                    if (existing != null) {
                        return Uni.createFrom().item(new Object[]{existing, Boolean.FALSE});
                    }
                    ErasureRequestEntity r = new ErasureRequestEntity();
                    r.id = UUID.randomUUID();
                    r.clientRequestId = clientId;
                    r.subjectHash = audit.subjectHash(key);
                    r.reason = request.getReason();
                    r.requestedBy = actor;
                    r.requestedAt = Instant.now();
                    r.claimedAt = r.requestedAt;
                    r.pendingSubject = key;
                    r.status = "PENDING";
                    return r.persist().chain(() -> Multi.createFrom().range(0, STEPS.size()).onItem()
                            .transformToUniAndConcatenate(i -> step(r.id, STEPS.get(i), i).persist()).collect().last())
                            .call(() -> audit.record(actor, "privacy.erasure.requested", key,
                                    "request " + r.id + ": " + request.getReason()))
                            .replaceWith(new Object[]{r, Boolean.TRUE});
                })).map(created -> {
                    ErasureRequestEntity r = (ErasureRequestEntity) created[0];
                    if ((Boolean) created[1]) {
                        metrics.counter("cairn.consent.erasures", "state", "requested").increment();
                        run(r, request.getSubject(), actor).subscribe().with(
                                done -> LOG.infof("erasure %s finished", r.id),
                                failure -> LOG.errorf(failure, "erasure %s stopped", r.id));
                    }
                    return r.id.toString();
                });
    }

    public Uni<GetErasureRequestResponse> get(String requestId, String actor) {
        UUID id;
        try {
            id = UUID.fromString(requestId);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("request_id",
                    requestId.isBlank() ? "required" : "not an erasure request id this service issued");
        }
        return Panache.withTransaction(() -> ErasureRequestEntity.<ErasureRequestEntity>findById(id).flatMap(r -> {
            if (r == null) {
                return Uni.createFrom().failure(new NotFoundException("no erasure request " + requestId));
            }
            return ErasureStepEntity.<ErasureStepEntity>list("requestId = ?1 order by position", id).call(steps -> {
                var e = new dev.cairn.consent.store.AuditEntryEntity();
                e.at = Instant.now();
                e.actor = actor;
                e.action = "privacy.erasure.read";
                e.subjectHash = r.subjectHash;
                e.detail = "request " + r.id;
                return e.persist();
            }).map(steps -> {
                GetErasureRequestResponse.Builder b = GetErasureRequestResponse.newBuilder()
                        .setRequestId(r.id.toString())
                        .setStatus(ErasureStepStatus.valueOf("ERASURE_STEP_STATUS_" + r.status))
                        .setRequestedBy(r.requestedBy).setReason(r.reason)
                        .setRequestedAt(StateDerivation.timestamp(r.requestedAt));
                if (r.completedAt != null) {
                    b.setCompletedAt(StateDerivation.timestamp(r.completedAt));
                }
                for (ErasureStepEntity s : steps) {
                    b.addSteps(ErasureStep.newBuilder().setKind(ErasureStepKind.valueOf("ERASURE_STEP_KIND_" + s.kind))
                            .setStatus(ErasureStepStatus.valueOf("ERASURE_STEP_STATUS_" + s.status)).setDetail(s.detail)
                            .setUpdatedAt(StateDerivation.timestamp(s.updatedAt)).setAttempts(s.attempts));
                }
                return b.build();
            });
        }));
    }

    /**
     * Takes on every request that is not DONE and whose claim is older than {@code staleBefore}: PENDING ones
     * were interrupted (the instance that ran them stopped), FAILED ones are retried. Each is claimed with a
     * conditional update first, so two instances sweeping at once never run the same request twice. Returns
     * the ids taken on; their runs continue in the background.
     */
    public Uni<List<UUID>> resumeStale(Instant staleBefore) {
        return Panache.withSession(() -> ErasureRequestEntity.<ErasureRequestEntity>list(
                "status <> 'DONE' and pendingSubject is not null and claimedAt < ?1", staleBefore))
                .flatMap(candidates -> Multi.createFrom().iterable(candidates).onItem()
                        .transformToUniAndConcatenate(r -> {
                            Instant now = Instant.now();
                            return Panache.withTransaction(() -> ErasureRequestEntity.update(
                                    "claimedAt = ?1 where id = ?2 and claimedAt = ?3", now, r.id, r.claimedAt))
                                    .map(claimed -> claimed == 1 ? r : null);
                        }).filter(r -> r != null).collect().asList())
                .invoke(claimed -> claimed.forEach(r -> {
                    LOG.infof("resuming erasure %s (%s since %s)", r.id, r.status, r.claimedAt);
                    metrics.counter("cairn.consent.erasures", "state", "resumed").increment();
                    // Each run on its own duplicated context: a reactive session belongs to one context, and the
                    // runs go on concurrently.
                    io.vertx.core.Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
                    VertxContextSafetyToggle.setContextSafe(context, true);
                    context.runOnContext(v -> run(r, normalized(r.pendingSubject), "system:erasure-resume")
                            .subscribe().with(done -> LOG.infof("erasure %s finished after resuming", r.id),
                                    failure -> LOG.errorf(failure, "resumed erasure %s stopped", r.id)));
                }))
                .map(claimed -> claimed.stream().map(r -> r.id).toList());
    }

    /** Requests not DONE: how many, and when the oldest was made (empty if none). */
    public Uni<PendingErasures> pending() {
        return Panache.withSession(() -> ErasureRequestEntity.count("status <> 'DONE'")
                .flatMap(count -> ErasureRequestEntity.<ErasureRequestEntity>find(
                        "status <> 'DONE' order by requestedAt").firstResult()
                        .map(oldest -> new PendingErasures(count,
                                oldest == null
                                        ? java.util.Optional.empty()
                                        : java.util.Optional.of(oldest.requestedAt)))));
    }

    /** See {@link #pending()}. */
    public record PendingErasures(long count, java.util.Optional<Instant> oldestRequestedAt) {
    }

    Uni<Void> run(ErasureRequestEntity request, Identifier named, String actor) {
        Subject subject = new Subject();
        String namedKey = SubjectKeys.key(named.getNamespace(), named.getValue());
        subject.identifiers.put(namedKey, normalized(namedKey));
        return Panache.withSession(() -> profiles.profilesOf(List.of(namedKey)).flatMap(known -> {
            SubjectProfileEntity p = known.get(namedKey);
            if (p == null) {
                return Uni.createFrom().voidItem();
            }
            subject.profileIds.add(p.profileId);
            return profiles.members(p.profileId).invoke(ms -> ms.forEach(
                    m -> subject.identifiers.putIfAbsent(m.subjectKey, normalized(m.subjectKey)))).replaceWithVoid();
        })).chain(() -> attempt(request.id, ErasureStepKind.ERASURE_STEP_KIND_IDENTITY, namedKey, actor,
                () -> eraseInIdentity(request.id, subject)))
                .chain(() -> attempt(request.id, ErasureStepKind.ERASURE_STEP_KIND_SEGMENTS, namedKey, actor,
                        () -> eraseInSegments(request.id, subject)))
                .chain(() -> attempt(request.id, ErasureStepKind.ERASURE_STEP_KIND_INGEST_SUPPRESSION, namedKey, actor,
                        () -> suppress(request.id, subject)))
                .chain(() -> attempt(request.id, ErasureStepKind.ERASURE_STEP_KIND_TOPIC_TOMBSTONES, namedKey, actor,
                        () -> tombstones(subject)))
                .chain(() -> attempt(request.id, ErasureStepKind.ERASURE_STEP_KIND_SINK_NOTICE, namedKey, actor,
                        () -> notice(request, subject)))
                .chain(() -> finish(request.id, namedKey, actor));
    }

    private Uni<String> eraseInIdentity(UUID requestId, Subject subject) {
        var call = credentials.attach(identity).eraseSubject(EraseSubjectRequest.newBuilder()
                .setErasureRequestId(requestId.toString()).addAllIdentifiers(subject.identifiers.values()).build());
        return OnContext.resume(call).map(r -> {
            r.getIdentifiersList().forEach(i -> subject.identifiers.putIfAbsent(
                    SubjectKeys.key(i.getNamespace(), i.getValue()), i));
            subject.profileIds.addAll(r.getProfileIdsList());
            subject.identityKnown = true;
            return r.getIdentifiersCount() + " identifiers, " + r.getProfileIdsCount() + " profiles; "
                    + r.getKeysDestroyed() + " keys destroyed";
        });
    }

    private Uni<String> eraseInSegments(UUID requestId, Subject subject) {
        if (subject.profileIds.isEmpty()) {
            if (!subject.identityKnown) {
                return Uni.createFrom().failure(new IllegalStateException(
                        "the subject's profiles are unknown (identity step failed and consent knows no profile)"));
            }
            return Uni.createFrom().item("identity knows no profile of the subject: nothing to erase");
        }
        var call = credentials.attach(segments).eraseProfiles(EraseProfilesRequest.newBuilder()
                .setErasureRequestId(requestId.toString()).addAllProfileIds(subject.profileIds).build());
        return OnContext.resume(call).map(r -> r.getProfilesErased() + " profiles erased, " + r.getMembershipsRemoved()
                + " memberships removed");
    }

    private Uni<String> suppress(UUID requestId, Subject subject) {
        Instant now = Instant.now();
        return Multi.createFrom().iterable(subject.identifiers.keySet()).onItem().transformToUniAndConcatenate(key -> {
            String hash = audit.subjectHash(key);
            return publisher.publish(SUPPRESSION_TOPIC, hash, SubjectSuppressed.newBuilder().setIdentifierHash(hash)
                    .setRequestId(requestId.toString()).setSuppressedAt(StateDerivation.timestamp(now)).build()
                    .toByteArray())
                    // Read-your-writes: Decide answers ERASED at once, before the view reads the record back.
                    .invoke(() -> view.suppress(hash, true));
        }).collect().asList().map(l -> l.size() + " identifiers suppressed (keyed hashes)");
    }

    private Uni<String> tombstones(Subject subject) {
        List<String> keys = List.copyOf(subject.identifiers.keySet());
        return Panache.withTransaction(() -> ConsentRecordEntity.delete("subjectKey in ?1", keys)
                .flatMap(records -> SubjectProfileEntity.delete("subjectKey in ?1", keys).replaceWith(records)))
                .flatMap(records -> Multi.createFrom().iterable(keys).onItem()
                        .transformToUniAndConcatenate(key -> publisher.publish(StateRepublisher.TOPIC, key, null)
                                .invoke(() -> view.apply(key, null)))
                        .collect().asList()
                        .map(l -> records + " consent records deleted; " + l.size() + " tombstones on "
                                + StateRepublisher.TOPIC));
    }

    private Uni<String> notice(ErasureRequestEntity request, Subject subject) {
        ErasureRequested notice = ErasureRequested.newBuilder().setRequestId(request.id.toString())
                .addAllIdentifiers(subject.identifiers.values()).addAllProfileIds(subject.profileIds)
                .setRequestedAt(StateDerivation.timestamp(request.requestedAt)).build();
        return publisher.publish(ERASURE_TOPIC, request.id.toString(), notice.toByteArray())
                .map(m -> "notice published to " + ERASURE_TOPIC);
    }

    /** Runs a step with retries of transient failures and records its outcome. Never fails itself. */
    private Uni<Void> attempt(UUID requestId, ErasureStepKind kind, String subjectKey, String actor,
            Supplier<Uni<String>> action) {
        // A resumed request repeats only what is not DONE (every step is idempotent, so a repeat is safe too).
        return Panache.withSession(() -> ErasureStepEntity
                .<ErasureStepEntity>find("requestId = ?1 and kind = ?2", requestId, shortName(kind)).firstResult())
                .flatMap(step -> step != null && "DONE".equals(step.status)
                        ? Uni.createFrom().voidItem()
                        : runStep(requestId, kind, subjectKey, actor, action, step == null ? 0 : step.attempts));
    }

    private Uni<Void> runStep(UUID requestId, ErasureStepKind kind, String subjectKey, String actor,
            Supplier<Uni<String>> action, int earlierAttempts) {
        int[] attempts = {earlierAttempts};
        return Uni.createFrom().deferred(() -> {
            attempts[0]++;
            return action.get();
        }).onFailure(ErasureCoordinator::transient_).retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
                .atMost(MAX_ATTEMPTS - 1)
                .map(detail -> new String[]{"DONE", detail})
                .onFailure().recoverWithItem(e -> new String[]{"FAILED", describe(e)})
                .flatMap(outcome -> OnContext.resume(Uni.createFrom().item(outcome)))
                .flatMap(outcome -> Panache.withTransaction(() -> ErasureStepEntity
                        .<ErasureStepEntity>find("requestId = ?1 and kind = ?2", requestId, shortName(kind))
                        .firstResult()
                        .flatMap(step -> {
                            step.status = outcome[0];
                            step.detail = outcome[1];
                            step.attempts = attempts[0];
                            step.updatedAt = Instant.now();
                            return audit.record(actor, "privacy.erasure.step", subjectKey,
                                    "request " + requestId + " " + step.kind + " " + outcome[0] + ": " + outcome[1]);
                        })))
                .invoke(() -> metrics.counter("cairn.consent.erasure_steps", "step", shortName(kind)).increment());
    }

    private Uni<Void> finish(UUID requestId, String subjectKey, String actor) {
        return Panache.withTransaction(() -> ErasureStepEntity.<ErasureStepEntity>list("requestId", requestId)
                .flatMap(steps -> ErasureRequestEntity.<ErasureRequestEntity>findById(requestId).flatMap(r -> {
                    boolean failed = steps.stream().anyMatch(s -> s.status.equals("FAILED"));
                    boolean done = steps.stream().allMatch(s -> s.status.equals("DONE"));
                    r.status = failed ? "FAILED" : done ? "DONE" : "PENDING";
                    r.completedAt = failed || done ? Instant.now() : null;
                    if (done) {
                        r.pendingSubject = null; // nothing left to resume: the identifier goes
                    }
                    metrics.counter("cairn.consent.erasures", "state", r.status.toLowerCase()).increment();
                    if (r.completedAt != null) {
                        metrics.timer("cairn.consent.erasure.duration", "state", r.status.toLowerCase())
                                .record(Duration.between(r.requestedAt, r.completedAt));
                    }
                    return audit.record(actor, "privacy.erasure.finished", subjectKey,
                            "request " + requestId + " " + r.status);
                })));
    }

    static boolean transient_(Throwable e) {
        Status.Code code = Status.fromThrowable(e).getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                || e instanceof dev.cairn.platform.grpc.DependencyUnavailableException;
    }

    static String describe(Throwable e) {
        Status s = Status.fromThrowable(e);
        if (s.getCode() != Status.Code.UNKNOWN) {
            return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static String shortName(ErasureStepKind kind) {
        return kind.name().substring("ERASURE_STEP_KIND_".length());
    }

    static ErasureStepEntity step(UUID requestId, ErasureStepKind kind, int position) {
        ErasureStepEntity s = new ErasureStepEntity();
        s.requestId = requestId;
        s.kind = shortName(kind);
        s.position = position;
        s.status = "PENDING";
        s.detail = "";
        s.updatedAt = Instant.now();
        s.attempts = 0;
        return s;
    }

    static Identifier normalized(String key) {
        int colon = key.indexOf(':');
        return Identifier.newBuilder().setNamespace(key.substring(0, colon)).setValue(key.substring(colon + 1)).build();
    }
}
