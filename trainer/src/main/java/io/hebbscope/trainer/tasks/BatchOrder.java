package io.hebbscope.trainer.tasks;

import io.hebbscope.trainer.Seeds;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which examples form each batch: the training set is reshuffled every epoch (Fisher-Yates from a seed
 * derived from the run seed and the epoch number, so any epoch's order is reproducible on its own) and cut
 * into consecutive batches; the last batch of an epoch holds the remainder when the batch size does not
 * divide the set (like PyTorch's DataLoader with drop_last=False).
 */
public final class BatchOrder {
    private final int examples;
    private final int batchSize;
    private final long seed;

    public BatchOrder(int examples, int batchSize, long seed) {
        if (examples <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("examples and batch size must be positive");
        }
        this.examples = examples;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    public int batchesPerEpoch() {
        return (examples + batchSize - 1) / batchSize;
    }

    /** The example order of {@code epoch}, a permutation of 0..examples-1. */
    public int[] permutation(int epoch) {
        int[] order = new int[examples];
        for (int i = 0; i < examples; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(Seeds.derive(seed, "shuffle", epoch));
        for (int i = examples - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The example indices of batch {@code batch} within an epoch's permutation. */
    public int[] batch(int[] permutation, int batch) {
        int from = batch * batchSize;
        return Arrays.copyOfRange(permutation, from, Math.min(from + batchSize, examples));
    }
}
