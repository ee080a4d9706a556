package dev.cairn.bench.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;

import io.grpc.Channel;
import io.grpc.Status;

import dev.cairn.bench.faults.AckHistory.Answer;
import dev.cairn.bench.scenario.Events;
import dev.cairn.proto.ingest.v1.EventInput;
import dev.cairn.proto.ingest.v1.EventResult;
import dev.cairn.proto.ingest.v1.IngestBatchRequest;
import dev.cairn.proto.ingest.v1.IngestBatchResponse;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;

/**
 * A bounded open-loop load of IngestBatch requests whose clients retry the way Cairn's SDKs do, recording every
 * answer in an {@link AckHistory}. Batches are due at a fixed rate whatever ingest does (a fault does not slow the
 * arrivals down, as it would not slow real users). Each batch carries fresh messageIds. A call that fails with a
 * retryable status (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNKNOWN: a lost
 * connection, backpressure, a 5xx) is resent whole, with the same messageIds; events answered RETRY are resent
 * with theirs; both after an exponential backoff (or the server's retry_after when longer), until the event has a
 * final answer or {@code giveUpAfter} has passed since the batch was first sent.
 */
public final class RetryingIngestLoad {

    /** The codes an SDK resends on: the call may not have been processed, or was refused for now. */
    static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.DEADLINE_EXCEEDED, Status.Code.ABORTED, Status.Code.INTERNAL, Status.Code.UNKNOWN);

    /** The retry schedule: first backoff, its ceiling, the call deadline and the give-up bound per batch. */
    public record RetryPolicy(Duration firstBackoff, Duration maxBackoff, Duration callDeadline, Duration giveUpAfter) {
        /** The backoff before attempt {@code attempt + 1} (attempt counts from 1): doubling, capped. */
        long backoffNanos(int attempt, Duration retryAfter) {
            long backoff = Math.min(maxBackoff.toNanos(),
                    firstBackoff.toNanos() << Math.min(20, Math.max(0, attempt - 1)));
            return retryAfter == null
                    ? backoff
                    : Math.max(backoff, Math.min(retryAfter.toNanos(), maxBackoff.toNanos()));
        }
    }

    private final Supplier<Channel> channels;
    private final String source;
    private final String messageIdPrefix;
    private final int batchSize;
    private final int eventBytes;
    private final int users;
    private final RetryPolicy policy;
    private final ScheduledExecutorService timer;
    private final AckHistory history;
    /** Every status and event outcome seen, for the report (e.g. "status UNAVAILABLE", "event RETRY"). */
    private final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();

    public RetryingIngestLoad(Supplier<Channel> channels, String source, String messageIdPrefix, int batchSize,
            int eventBytes, int users, RetryPolicy policy, ScheduledExecutorService timer, AckHistory history) {
        this.channels = channels;
        this.source = source;
        this.messageIdPrefix = messageIdPrefix;
        this.batchSize = batchSize;
        this.eventBytes = eventBytes;
        this.users = users;
        this.policy = policy;
        this.timer = timer;
        this.history = history;
    }

    /**
     * Sends {@code batchesPerSecond} batches for {@code duration}, then waits until every batch has its final
     * answers (each is bounded by giveUpAfter). At most {@code maxInFlight} batches are outstanding, retries
     * included; beyond that the schedule falls behind rather than exhaust memory.
     */
    public void run(double batchesPerSecond, Duration duration, int maxInFlight) throws InterruptedException {
        Semaphore inFlight = new Semaphore(maxInFlight);
        double periodNanos = 1e9 / batchesPerSecond;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (long i = 0;; i++) {
            long intended = start + (long) (i * periodNanos);
            if (intended - end >= 0) {
                break;
            }
            long now;
            while ((now = System.nanoTime()) - intended < 0) {
                LockSupport.parkNanos(intended - now);
            }
            inFlight.acquire();
            Batch batch = new Batch(i);
            batch.done.whenComplete((ok, failure) -> inFlight.release());
            batch.attempt();
        }
        long bound = policy.giveUpAfter().plus(policy.callDeadline()).plusSeconds(30).toMillis();
        if (!inFlight.tryAcquire(maxInFlight, bound, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("batches still unanswered " + bound + " ms after the load ended");
        }
    }

    /** Every status and event outcome the clients saw, with counts ("status INTERNAL: …" with its description). */
    public Map<String, Long> answers() {
        Map<String, Long> out = new java.util.TreeMap<>();
        answers.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private void count(String answer) {
        answers.computeIfAbsent(answer, a -> new AtomicLong()).incrementAndGet();
    }

    /** One client's batch: its events, those still without a final answer, and its attempts. */
    private final class Batch {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final List<EventInput> pending = new ArrayList<>();
        final long firstSent = System.nanoTime();
        int attempts;

        Batch(long number) {
            for (int i = 0; i < batchSize; i++) {
                String messageId = messageIdPrefix + number + "-" + i;
                long person = (number * batchSize + i) % users;
                pending.add(Events.productViewed(messageId, messageIdPrefix + "user-" + person, eventBytes));
                history.sent(messageId);
            }
        }

        void attempt() {
            attempts++;
            IngestBatchRequest request = IngestBatchRequest.newBuilder().setSourceId(source).setSentAt(Events.now())
                    .addAllEvents(pending).build();
            var call = IngestServiceGrpc.newFutureStub(channels.get())
                    .withDeadlineAfter(policy.callDeadline().toMillis(), TimeUnit.MILLISECONDS).ingestBatch(request);
            Futures.addCallback(call, new FutureCallback<>() {
                @Override
                public void onSuccess(IngestBatchResponse response) {
                    answered(response);
                }

                @Override
                public void onFailure(Throwable t) {
                    failed(Status.fromThrowable(t));
                }
            }, MoreExecutors.directExecutor());
        }

        void answered(IngestBatchResponse response) {
            count("status OK");
            Set<String> retry = new HashSet<>();
            Duration retryAfter = null;
            for (EventResult result : response.getResultsList()) {
                String id = result.getMessageId();
                count("event " + result.getOutcome().name().replace("EVENT_OUTCOME_", ""));
                switch (result.getOutcome()) {
                    case EVENT_OUTCOME_ACCEPTED -> history.told(id, Answer.ACCEPTED, result.getReason(),
                            Set.copyOf(result.getSuppressedDestinationsList()));
                    case EVENT_OUTCOME_DUPLICATE -> history.told(id, Answer.DUPLICATE, result.getReason());
                    case EVENT_OUTCOME_RETRY -> {
                        history.told(id, Answer.RETRY, result.getReason());
                        retry.add(id);
                        if (result.hasRetryAfter()) {
                            Duration d = Duration.ofSeconds(result.getRetryAfter().getSeconds(),
                                    result.getRetryAfter().getNanos());
                            retryAfter = retryAfter == null || d.compareTo(retryAfter) > 0 ? d : retryAfter;
                        }
                    }
                    default -> history.told(id, Answer.REJECTED,
                            result.getOutcome().name() + " " + result.getReason() + " " + result.getViolationsList());
                }
            }
            if (response.getResultsCount() != pending.size()) {
                // An answer that leaves events unaccounted for: they get no final answer from this attempt.
                count("answer without a result per event");
                pending.stream().map(EventInput::getMessageId)
                        .filter(id -> response.getResultsList().stream().noneMatch(r -> r.getMessageId().equals(id)))
                        .forEach(id -> {
                            history.told(id, Answer.UNANSWERED, "no result for the event in an OK answer");
                            retry.add(id);
                        });
            }
            pending.removeIf(e -> !retry.contains(e.getMessageId()));
            next(retryAfter);
        }

        void failed(Status status) {
            // INTERNAL and UNKNOWN are counted with their description: while a dependency is down the product must
            // answer UNAVAILABLE, so each of these is a finding to read.
            boolean unexpected = status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN;
            String description = String.valueOf(status.getDescription());
            count("status " + status.getCode() + (unexpected
                    ? ": " + (description.length() > 100 ? description.substring(0, 100) + "…" : description)
                    : ""));
            boolean retryable = RETRYABLE.contains(status.getCode());
            String detail = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
            for (EventInput e : pending) {
                history.told(e.getMessageId(), retryable ? Answer.UNANSWERED : Answer.REJECTED, detail);
            }
            if (!retryable) {
                pending.clear();
            }
            next(null);
        }

        void next(Duration retryAfter) {
            if (pending.isEmpty()) {
                done.complete(null);
                return;
            }
            long backoff = policy.backoffNanos(attempts, retryAfter);
            if (System.nanoTime() + backoff - firstSent > policy.giveUpAfter().toNanos()) {
                count("batch given up");
                done.complete(null);
                return;
            }
            timer.schedule(this::attempt, backoff, TimeUnit.NANOSECONDS);
        }
    }
}
