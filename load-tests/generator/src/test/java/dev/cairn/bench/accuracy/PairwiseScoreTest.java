package dev.cairn.bench.accuracy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PairwiseScoreTest {

    /**
     * Truth: alice owns a1 a2 a3, bob owns b1 b2. Predicted: {a1 a2}, {a3 b1}, b2 not found.
     * True pairs: 3 (alice) + 1 (bob) = 4. Predicted pairs: 1 + 1 = 2, of which a1-a2 is right.
     * Precision 1/2, recall 1/4.
     */
    @Test
    void countsPairsFromAHandBuiltTruth() {
        PairwiseScore s = new PairwiseScore();
        s.add("alice", "P1"); // a1
        s.add("alice", "P1"); // a2
        s.add("alice", "P2"); // a3
        s.add("bob", "P2"); // b1
        s.add("bob", null); // b2, not found

        assertEquals(5, s.items());
        assertEquals(4, s.truePairs());
        assertEquals(2, s.predictedPairs());
        assertEquals(1, s.correctPairs());
        assertEquals(0.5, s.precision(), 1e-12);
        assertEquals(0.25, s.recall(), 1e-12);
    }

    @Test
    void aPerfectClusteringScoresOne() {
        PairwiseScore s = new PairwiseScore();
        for (int person = 0; person < 10; person++) {
            for (int item = 0; item < 5; item++) {
                s.add("person" + person, "profile" + person);
            }
        }
        assertEquals(1.0, s.precision(), 1e-12);
        assertEquals(1.0, s.recall(), 1e-12);
    }

    /** One over-merge of two 5-item people: 25 wrong pairs out of 45 predicted; recall stays 1. */
    @Test
    void anOverMergeCostsPrecisionNotRecall() {
        PairwiseScore s = new PairwiseScore();
        for (int item = 0; item < 5; item++) {
            s.add("alice", "merged");
            s.add("bob", "merged");
        }
        assertEquals(20.0 / 45.0, s.precision(), 1e-12);
        assertEquals(1.0, s.recall(), 1e-12);
    }

    /** Everything unresolved: nothing predicted (precision 1 by convention), nothing recalled. */
    @Test
    void nothingResolvedHasNoRecall() {
        PairwiseScore s = new PairwiseScore();
        s.add("alice", null);
        s.add("alice", null);
        assertEquals(1.0, s.precision(), 1e-12);
        assertEquals(0.0, s.recall(), 1e-12);
    }
}
