package dev.cairn.bench.accuracy;

import java.util.HashMap;
import java.util.Map;

/**
 * Pairwise precision and recall of a clustering against the truth. Every item (an identifier that belongs
 * to exactly one synthetic person) has a true person and a predicted profile; a pair of items is a true
 * pair when both belong to one person, a predicted pair when both resolved to one profile. Precision =
 * predicted pairs that are true / predicted pairs; recall = true pairs that were predicted / true pairs.
 * Counted from cluster sizes (sum of n choose 2), so a million items cost no more than a pass over them.
 * An item identity did not find is its own singleton profile: it pairs with nothing.
 */
public final class PairwiseScore {

    private final Map<String, Long> truthSizes = new HashMap<>();
    private final Map<String, Long> predictedSizes = new HashMap<>();
    private final Map<String, Long> cellSizes = new HashMap<>();
    private long items;

    /**
     * @param person the true owner of the item
     * @param profile the profile identity resolved the item to, or null when it was not found
     */
    public void add(String person, String profile) {
        items++;
        truthSizes.merge(person, 1L, Long::sum);
        if (profile != null) {
            predictedSizes.merge(profile, 1L, Long::sum);
            cellSizes.merge(person + '\u0000' + profile, 1L, Long::sum);
        }
    }

    public long items() {
        return items;
    }

    public long truePairs() {
        return pairs(truthSizes);
    }

    public long predictedPairs() {
        return pairs(predictedSizes);
    }

    public long correctPairs() {
        return pairs(cellSizes);
    }

    /** 1.0 when nothing was merged at all (no predicted pair can be wrong). */
    public double precision() {
        long predicted = predictedPairs();
        return predicted == 0 ? 1.0 : (double) correctPairs() / predicted;
    }

    /** 1.0 when the truth has no pairs (every person owns one item). */
    public double recall() {
        long truth = truePairs();
        return truth == 0 ? 1.0 : (double) correctPairs() / truth;
    }

    private static long pairs(Map<String, Long> sizes) {
        long sum = 0;
        for (long n : sizes.values()) {
            sum += n * (n - 1) / 2;
        }
        return sum;
    }
}
