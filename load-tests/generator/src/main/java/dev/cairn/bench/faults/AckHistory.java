package dev.cairn.bench.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What clients were told, per messageId, in the order they were told it: the history a Jepsen-style checker
 * compares with what the topics hold afterwards. Every attempt's answer is kept (a messageId answered RETRY, then
 * not at all, then DUPLICATE has three), so that the checker can judge each RETRY answer by what came of it.
 * Thread-safe: the load's answers arrive on the transport threads.
 */
public final class AckHistory {

    /** What one attempt of one event was told. */
    public enum Answer {
        /** Stored: durably on the governed topic and every destination consent allows. */
        ACCEPTED,
        /** Already stored by an earlier attempt: an acknowledgement too. */
        DUPLICATE,
        /** Not stored, nothing kept: send it again (the product's promise the checker holds it to). */
        RETRY,
        /** Refused for good (quarantined, suppressed, INVALID_ARGUMENT, PERMISSION_DENIED): never resent. */
        REJECTED,
        /** No answer: the call failed (UNAVAILABLE, a deadline, a closed connection). Maybe stored, maybe not. */
        UNANSWERED;

        /** The client may consider the event stored. */
        public boolean acknowledges() {
            return this == ACCEPTED || this == DUPLICATE;
        }
    }

    /**
     * One answer: when it arrived (System.nanoTime()), what it said, the detail (a status, a reason), and for
     * ACCEPTED the destinations consent suppressed (the event must not be on their topics, and is not lost there).
     */
    public record Told(long atNanos, Answer answer, String detail, Set<String> suppressedDestinations) {
    }

    private final Map<String, List<Told>> byMessageId = new ConcurrentHashMap<>();

    /** Records that an event is about to be sent for the first time (a messageId with no answer yet is known). */
    public void sent(String messageId) {
        if (byMessageId.putIfAbsent(messageId, Collections.synchronizedList(new ArrayList<>())) != null) {
            throw new IllegalArgumentException("messageId sent twice as a new event: " + messageId);
        }
    }

    public void told(String messageId, Answer answer, String detail) {
        told(messageId, answer, detail, Set.of());
    }

    public void told(String messageId, Answer answer, String detail, Set<String> suppressedDestinations) {
        List<Told> answers = byMessageId.get(messageId);
        if (answers == null) {
            throw new IllegalArgumentException("an answer for a messageId never sent: " + messageId);
        }
        answers.add(new Told(System.nanoTime(), answer, detail, Set.copyOf(suppressedDestinations)));
    }

    /** Every messageId sent and its answers, oldest first (a copy). */
    public Map<String, List<Told>> answers() {
        Map<String, List<Told>> copy = new LinkedHashMap<>();
        byMessageId.forEach((id, answers) -> {
            synchronized (answers) {
                copy.put(id, List.copyOf(answers));
            }
        });
        return copy;
    }

    /** The earliest ACCEPTED answer at or after a moment (System.nanoTime()), or -1: when ingest stored again. */
    public long firstAcceptedAtOrAfter(long nanos) {
        long first = Long.MAX_VALUE;
        for (List<Told> answers : byMessageId.values()) {
            synchronized (answers) {
                for (Told t : answers) {
                    if (t.answer() == Answer.ACCEPTED && t.atNanos() - nanos >= 0 && t.atNanos() < first) {
                        first = t.atNanos();
                    }
                }
            }
        }
        return first == Long.MAX_VALUE ? -1 : first;
    }

    public int size() {
        return byMessageId.size();
    }
}
