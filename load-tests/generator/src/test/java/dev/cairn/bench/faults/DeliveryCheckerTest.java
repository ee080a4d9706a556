package dev.cairn.bench.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.cairn.bench.faults.AckHistory.Answer;

class DeliveryCheckerTest {

    static final String RAW = "cairn.events.raw.v1";
    static final String GOVERNED = "cairn.events.governed.v1";
    static final String EMAIL = "cairn.dest.email_marketing.v1";

    final AckHistory history = new AckHistory();
    final Map<String, Map<String, Integer>> stored = new HashMap<>();
    final DeliveryChecker checker = new DeliveryChecker(RAW, Map.of("governed", GOVERNED, "email_marketing", EMAIL));

    /** An event ingest stored: on raw and governed, suppressed for email marketing (consent's default). */
    void storedOnce(String id) {
        store(id, RAW, GOVERNED);
    }

    void store(String id, String... topics) {
        for (String topic : topics) {
            stored.computeIfAbsent(topic, t -> new HashMap<>()).merge(id, 1, Integer::sum);
        }
    }

    void accepted(String id) {
        history.told(id, Answer.ACCEPTED, "", Set.of("email_marketing"));
    }

    DeliveryChecker.Verdict verdict() {
        return checker.check(history.answers(), stored);
    }

    @Test
    void acceptedEventsStoredOnceWhereConsentAllowsPass() {
        history.sent("m1");
        accepted("m1");
        storedOnce("m1");
        history.sent("m2");
        history.told("m2", Answer.ACCEPTED, "");
        store("m2", RAW, GOVERNED, EMAIL);

        DeliveryChecker.Verdict v = verdict();

        assertEquals(List.of(), v.errors());
        assertEquals(2, v.acknowledged());
        assertEquals(0, v.lost());
    }

    @Test
    void anAcceptedEventMissingFromADestinationConsentAllowedIsLost() {
        history.sent("m1");
        history.told("m1", Answer.ACCEPTED, "");
        storedOnce("m1"); // not on email marketing, though nothing was suppressed

        DeliveryChecker.Verdict v = verdict();

        assertEquals(1, v.lost());
        assertTrue(v.errors().get(0).contains("m1: not on " + EMAIL), v.errors().toString());
    }

    @Test
    void anAcknowledgedEventMissingFromRawIsLostEvenWhenOnlyDuplicateWasAnswered() {
        history.sent("m1");
        history.told("m1", Answer.UNANSWERED, "UNAVAILABLE");
        history.told("m1", Answer.DUPLICATE, "");

        DeliveryChecker.Verdict v = verdict();

        assertEquals(1, v.lost());
        assertEquals(1, v.acknowledged());
    }

    @Test
    void anEventTwiceOnGovernedIsADuplicateWhateverTheClientWasTold() {
        history.sent("m1");
        history.told("m1", Answer.UNANSWERED, "UNAVAILABLE");
        history.told("m1", Answer.UNANSWERED, "DEADLINE_EXCEEDED");
        store("m1", RAW, GOVERNED, GOVERNED);

        DeliveryChecker.Verdict v = verdict();

        assertEquals(1, v.duplicated());
        assertTrue(v.errors().stream().anyMatch(e -> e.contains("2 times on " + GOVERNED)), v.errors().toString());
    }

    @Test
    void aRetryFollowedByAnAcceptOfAStoredOnceEventIsHonest() {
        history.sent("m1");
        history.told("m1", Answer.RETRY, "in flight");
        accepted("m1");
        storedOnce("m1");

        DeliveryChecker.Verdict v = verdict();

        assertEquals(List.of(), v.errors());
        assertEquals(1, v.retried());
        assertEquals(1, v.honestRetries());
    }

    /**
     * The known limit of a replica dying between Kafka's commit and marking its dedup keys done: the retry is
     * answered RETRY until the in-flight mark expires, then stored again. The checker must call that RETRY
     * dishonest, even though the duplicate is only on raw.
     */
    @Test
    void aRetryThatLeadsToASecondCopyIsDishonest() {
        history.sent("m1");
        history.told("m1", Answer.UNANSWERED, "UNAVAILABLE");
        history.told("m1", Answer.RETRY, "in flight");
        history.told("m1", Answer.RETRY, "in flight");
        accepted("m1");
        store("m1", RAW, RAW, GOVERNED);

        DeliveryChecker.Verdict v = verdict();

        assertEquals(1, v.dishonestRetries());
        assertEquals(1, v.rawDuplicated());
        assertEquals(0, v.duplicated());
        assertTrue(v.errors().stream().anyMatch(e -> e.contains("m1: UNANSWERED(UNAVAILABLE) RETRY ×2 ACCEPTED")),
                v.errors().toString());
    }

    @Test
    void aClientThatGaveUpAfterRetryIsHonestlyTreatedIfTheEventIsThereAtMostOnce() {
        history.sent("absent");
        history.told("absent", Answer.RETRY, "");
        history.sent("once");
        history.told("once", Answer.RETRY, "");
        history.told("once", Answer.UNANSWERED, "UNAVAILABLE");
        storedOnce("once");

        DeliveryChecker.Verdict v = verdict();

        assertEquals(0, v.dishonestRetries());
        assertEquals(2, v.unacknowledged());
        assertEquals(0, v.lost(), "an unacknowledged event is not lost");
        assertEquals(1, v.errors().size(), "giving up is reported, once: " + v.errors());
        assertTrue(v.errors().get(0).startsWith("2 events never acknowledged"), v.errors().toString());
    }

    @Test
    void aValidEventRejectedIsAnError() {
        history.sent("m1");
        history.told("m1", Answer.REJECTED, "PERMISSION_DENIED");

        DeliveryChecker.Verdict v = verdict();

        assertEquals(1, v.rejected());
        assertEquals(0, v.unacknowledged(), "a rejected event is not counted again as given up");
        assertTrue(v.errors().get(0).contains("m1: PERMISSION_DENIED"), v.errors().toString());
    }

    @Test
    void anEventOnADestinationConsentSuppressedIsReported() {
        history.sent("m1");
        accepted("m1");
        store("m1", RAW, GOVERNED, EMAIL);

        DeliveryChecker.Verdict v = verdict();

        assertEquals(1, v.leaked());
        assertEquals(1, v.errors().size());
    }

    @Test
    void errorsNameAFewMessageIdsNotAll() {
        for (int i = 0; i < 20; i++) {
            history.sent("m" + i);
            accepted("m" + i);
        }

        DeliveryChecker.Verdict v = verdict();

        assertEquals(20, v.lost());
        assertEquals(DeliveryChecker.NAMED, v.errors().get(0).split(";").length, v.errors().get(0));
        assertTrue(v.errors().get(0).startsWith("20 acknowledged events lost"), v.errors().get(0));
    }

    @Test
    void answersAndFinalAnswersAreCounted() {
        history.sent("m1");
        history.told("m1", Answer.UNANSWERED, "UNAVAILABLE");
        history.told("m1", Answer.DUPLICATE, "");
        storedOnce("m1");

        DeliveryChecker.Verdict v = verdict();

        assertEquals(Map.of("UNANSWERED", 1L, "DUPLICATE", 1L), v.answers());
        assertEquals(Map.of("DUPLICATE", 1L), v.finals());
        assertEquals(List.of(), v.errors());
    }
}
