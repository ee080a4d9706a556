package dev.cairn.bench.faults;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.cairn.bench.faults.AckHistory.Answer;
import dev.cairn.bench.faults.AckHistory.Told;

/**
 * The checker: compares what clients were told ({@link AckHistory}) with what the topics hold afterwards, read
 * committed, counted per messageId. What must hold, whatever the fault:
 * <ul>
 * <li><b>No acknowledged event lost</b>: an event answered ACCEPTED or DUPLICATE is on the raw topic, and an
 * ACCEPTED one on every destination topic (governed included) consent did not suppress for it. A DUPLICATE-only
 * event's destinations are not judged for loss: its answer does not say which ones consent allowed.
 * <li><b>No duplicate</b> by messageId on the governed and destination topics, acknowledged or not. Duplicates on
 * the raw topic are counted apart (the product promises nothing more there than its consumers' dedup by
 * messageId).
 * <li><b>Every RETRY answer honest</b>: an event once answered RETRY is, in the end, present exactly once if a
 * later attempt was acknowledged, and at most once if the client gave up.
 * <li><b>Nothing valid rejected</b>: the load sends only planned, valid events with fresh messageIds.
 * </ul>
 * Plain: it takes counts, not Kafka, so that a unit test can hand it any history.
 */
public final class DeliveryChecker {

    /** How many messageIds an error names at most: enough to look them up, not a wall of text. */
    static final int NAMED = 5;

    private final String rawTopic;
    private final Map<String, String> destinationTopics;

    /**
     * @param rawTopic the topic every new valid event goes to before consent (cairn.events.raw.v1)
     * @param destinationTopics destination name (as in suppressed_destinations) → its topic, governed included
     */
    public DeliveryChecker(String rawTopic, Map<String, String> destinationTopics) {
        this.rawTopic = rawTopic;
        this.destinationTopics = Map.copyOf(destinationTopics);
    }

    /**
     * The verdict: figures for the report, and errors (each a broken promise).
     *
     * @param events what clients were told, per messageId (AckHistory#answers)
     * @param stored topic → messageId → records with that messageId on it (only this run's messageIds matter)
     */
    public Verdict check(Map<String, List<Told>> events, Map<String, Map<String, Integer>> stored) {
        Tally t = new Tally();
        for (Map.Entry<String, List<Told>> e : events.entrySet()) {
            String id = e.getKey();
            List<Told> answers = e.getValue();
            Answer last = answers.isEmpty() ? Answer.UNANSWERED : answers.get(answers.size() - 1).answer();
            t.finals.merge(last.name(), 1L, Long::sum);
            answers.forEach(a -> t.answers.merge(a.answer().name(), 1L, Long::sum));
            boolean acknowledged = answers.stream().anyMatch(a -> a.answer().acknowledges());
            Told accepted = answers.stream().filter(a -> a.answer() == Answer.ACCEPTED).findFirst().orElse(null);
            boolean retried = answers.stream().anyMatch(a -> a.answer() == Answer.RETRY);
            int onRaw = count(stored, rawTopic, id);

            if (answers.stream().anyMatch(a -> a.answer() == Answer.REJECTED)) {
                t.note(t.rejected, id, answers.stream().filter(a -> a.answer() == Answer.REJECTED).findFirst()
                        .map(Told::detail).orElse(""));
            }
            if (answers.stream().noneMatch(a -> a.answer() == Answer.REJECTED) && !acknowledged) {
                t.note(t.unacknowledged, id, last.name());
            }
            if (onRaw > 1) {
                t.note(t.rawDuplicates, id, onRaw + " times");
            }
            boolean honest = true;
            if (acknowledged) {
                t.acknowledged++;
                if (onRaw == 0) {
                    t.note(t.lost, id, "not on " + rawTopic);
                    honest = false;
                } else if (onRaw > 1) {
                    honest = false;
                }
            } else if (onRaw > 1) {
                honest = false;
            }
            for (Map.Entry<String, String> d : destinationTopics.entrySet()) {
                int on = count(stored, d.getValue(), id);
                if (on > 1) {
                    t.note(t.duplicates, id, on + " times on " + d.getValue());
                    honest = false;
                }
                boolean expected = accepted != null && !accepted.suppressedDestinations().contains(d.getKey());
                if (expected && on == 0) {
                    t.note(t.lost, id, "not on " + d.getValue());
                    honest = false;
                }
                if (accepted != null && !expected && on > 0) {
                    t.note(t.leaked, id, "on " + d.getValue() + " though consent suppressed it");
                }
            }
            if (retried) {
                t.retried++;
                if (!honest) {
                    t.note(t.dishonestRetries, id, describe(answers));
                }
            }
        }
        return t.verdict(events.size());
    }

    private static int count(Map<String, Map<String, Integer>> stored, String topic, String id) {
        return stored.getOrDefault(topic, Map.of()).getOrDefault(id, 0);
    }

    /**
     * The answers an event got, in order, for an error message, repeats folded and details cut short:
     * "UNANSWERED(UNAVAILABLE: io exception) ×16 RETRY ×7 ACCEPTED".
     */
    static String describe(List<Told> answers) {
        List<String> parts = new ArrayList<>();
        String previous = null;
        int times = 0;
        for (Told a : answers) {
            String detail = a.detail().length() > 40 ? a.detail().substring(0, 40) + "…" : a.detail();
            String part = a.answer() == Answer.UNANSWERED || a.answer() == Answer.REJECTED
                    ? a.answer() + "(" + detail + ")"
                    : a.answer().name();
            if (part.equals(previous)) {
                times++;
                continue;
            }
            if (previous != null) {
                parts.add(times > 1 ? previous + " ×" + times : previous);
            }
            previous = part;
            times = 1;
        }
        if (previous != null) {
            parts.add(times > 1 ? previous + " ×" + times : previous);
        }
        return String.join(" ", parts);
    }

    /**
     * The checker's verdict. Counts are of messageIds; {@code answers} counts every attempt's answer, {@code
     * finals} each event's last answer.
     */
    public record Verdict(int sent, long acknowledged, long lost, long duplicated, long rawDuplicated,
            long retried, long dishonestRetries, long unacknowledged, long rejected, long leaked,
            Map<String, Long> answers, Map<String, Long> finals, List<String> errors) {

        /** Retried events whose RETRY answers proved honest. */
        public long honestRetries() {
            return retried - dishonestRetries;
        }

        public Map<String, Object> figures() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sent", sent);
            m.put("acknowledged", acknowledged);
            m.put("lost", lost);
            m.put("duplicated", duplicated);
            m.put("raw_duplicated", rawDuplicated);
            m.put("retried", retried);
            m.put("honest_retries", honestRetries());
            m.put("dishonest_retries", dishonestRetries);
            m.put("unacknowledged", unacknowledged);
            m.put("rejected", rejected);
            m.put("stored_despite_suppression", leaked);
            m.put("answers", answers);
            m.put("final_answers", finals);
            return m;
        }
    }

    /** Counts and the first few messageIds of each kind of broken promise. */
    private static final class Tally {
        final Map<String, Long> answers = new TreeMap<>();
        final Map<String, Long> finals = new TreeMap<>();
        final Problems lost = new Problems("acknowledged events lost");
        final Problems duplicates = new Problems("events duplicated on governed or destination topics");
        final Problems rawDuplicates = new Problems("events duplicated on the raw topic");
        final Problems dishonestRetries = new Problems(
                "RETRY answers not honest (after the retry the event is not there exactly once, or more than once)");
        final Problems rejected = new Problems("valid events rejected");
        final Problems unacknowledged = new Problems("events never acknowledged (the client gave up)");
        final Problems leaked = new Problems("events on a destination consent suppressed for them");
        long acknowledged;
        long retried;

        void note(Problems p, String id, String why) {
            p.add(id, why);
        }

        Verdict verdict(int sent) {
            List<String> errors = new ArrayList<>();
            for (Problems p : List.of(lost, duplicates, dishonestRetries, rejected, unacknowledged, leaked)) {
                p.report(errors);
            }
            return new Verdict(sent, acknowledged, lost.distinct(), duplicates.distinct(), rawDuplicates.distinct(),
                    retried, dishonestRetries.distinct(), unacknowledged.distinct(), rejected.distinct(),
                    leaked.distinct(), answers, finals, errors);
        }
    }

    /** One kind of broken promise: messageIds (counted once each) and the first few, with why. */
    private static final class Problems {
        private final String what;
        private final Map<String, String> first = new LinkedHashMap<>();
        private final Set<String> ids = new HashSet<>();

        Problems(String what) {
            this.what = what;
        }

        void add(String id, String why) {
            if (ids.add(id) && first.size() < NAMED) {
                first.put(id, id + ": " + why);
            }
        }

        long distinct() {
            return ids.size();
        }

        void report(List<String> errors) {
            if (!ids.isEmpty()) {
                errors.add(ids.size() + " " + what + ", e.g. " + String.join("; ", first.values()));
            }
        }
    }
}
