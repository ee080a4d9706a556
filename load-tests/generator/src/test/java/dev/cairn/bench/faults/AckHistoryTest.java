package dev.cairn.bench.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.cairn.bench.faults.AckHistory.Answer;

class AckHistoryTest {

    final AckHistory history = new AckHistory();

    @Test
    void aMessageIdSentTwiceAsNewIsRefused() {
        history.sent("m1");

        assertThrows(IllegalArgumentException.class, () -> history.sent("m1"));
    }

    @Test
    void anAnswerForAMessageIdNeverSentIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> history.told("m1", Answer.ACCEPTED, ""));
    }

    @Test
    void answersAreKeptInTheOrderTheyArrived() {
        history.sent("m1");
        history.told("m1", Answer.UNANSWERED, "UNAVAILABLE");
        history.told("m1", Answer.RETRY, "in flight");
        history.told("m1", Answer.DUPLICATE, "");

        assertEquals(List.of(Answer.UNANSWERED, Answer.RETRY, Answer.DUPLICATE),
                history.answers().get("m1").stream().map(AckHistory.Told::answer).toList());
    }

    @Test
    void theFirstAcceptAfterAMomentIsFoundAndNoneIsMinusOne() {
        history.sent("m1");
        history.told("m1", Answer.ACCEPTED, "");
        // A moment strictly after m1's answer and strictly before m2's, whatever the clock's resolution.
        long between = System.nanoTime() + 1;
        assertEquals(-1, history.firstAcceptedAtOrAfter(between));
        while (System.nanoTime() < between) {
            Thread.onSpinWait();
        }

        history.sent("m2");
        history.told("m2", Answer.RETRY, "");
        history.told("m2", Answer.ACCEPTED, "");

        long first = history.firstAcceptedAtOrAfter(between);
        assertTrue(first >= between);
        assertEquals(history.answers().get("m2").get(1).atNanos(), first);
    }

    @Test
    void backoffDoublesUpToItsCeilingAndHonoursALongerRetryAfter() {
        var policy = new RetryingIngestLoad.RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(2),
                Duration.ofSeconds(5), Duration.ofSeconds(120));

        assertEquals(Duration.ofMillis(200).toNanos(), policy.backoffNanos(1, null));
        assertEquals(Duration.ofMillis(800).toNanos(), policy.backoffNanos(3, null));
        assertEquals(Duration.ofSeconds(2).toNanos(), policy.backoffNanos(30, null));
        assertEquals(Duration.ofSeconds(1).toNanos(), policy.backoffNanos(1, Duration.ofSeconds(1)));
        assertEquals(Duration.ofSeconds(2).toNanos(), policy.backoffNanos(1, Duration.ofSeconds(60)),
                "a retry_after beyond the ceiling waits the ceiling");
    }
}
