package io.hebbscope.trainer.publish;

import io.hebbscope.schema.DType;

/**
 * What the publisher sends, to bound the volume of large models.
 *
 * @param every         publish LayerSteps (the tensors) every this many steps; 0: never, only with statistics
 *                      (StepMetrics go out every step); weights can be rebuilt at every step only when this is 1
 * @param snapshotEvery weight snapshots ride on step 0 and every this many steps (a multiple of {@code every});
 *                      none when {@code every} is 0
 * @param dtype         FLOAT32 (default) or BFLOAT16 for the tensors
 * @param maxBlockBytes a layer is split into blocks of whole neuron rows of at most about this many bytes
 * @param statsEvery    publish LayerStats (per-neuron statistics, computed by the trainer) every this many steps; 0:
 *                      never. With both, {@code every} must be a multiple of it: the steps with tensors are a subset
 *                      of the steps with statistics, and the analyzer checks the two copies of those steps
 * @param checkpoints   publish a TrainerCheckpoint (what {@code train --resume} continues from) after step 0 and every
 *                      {@code snapshotEvery} steps: the state after that step's update, on the checkpoints topic
 */
public record PublishPolicy(int every, int snapshotEvery, DType dtype, int maxBlockBytes, int statsEvery,
                            boolean checkpoints) {
    public static final PublishPolicy DEFAULT = new PublishPolicy(1, 1000, DType.FLOAT32, 512 * 1024);
    /** Bytes of one neuron's row in a LayerStats block: 7 sums and E[h^2], float64. */
    static final int STATS_ROW_BYTES = 8 * 8;

    public PublishPolicy {
        if (statsEvery < 0) {
            throw new IllegalArgumentException("stats every must be >= 0 (0: no statistics), got " + statsEvery);
        }
        if (every < 0 || (every == 0 && statsEvery == 0)) {
            throw new IllegalArgumentException("publish every must be >= 1, got " + every
                + (every == 0 ? " (0, no tensors, needs statistics: --stats)" : ""));
        }
        if (every > 0 && (snapshotEvery < 1 || snapshotEvery % every != 0)) {
            throw new IllegalArgumentException("snapshot every (" + snapshotEvery
                + ") must be a positive multiple of publish every (" + every + ")");
        }
        if (every == 0 && snapshotEvery < 1) {
            throw new IllegalArgumentException("snapshot every must be >= 1, got " + snapshotEvery);
        }
        if (every > 0 && statsEvery > 0 && every % statsEvery != 0) {
            throw new IllegalArgumentException("publish every (" + every + ") must be a multiple of stats every ("
                + statsEvery + "): steps with tensors must also have statistics");
        }
        if (dtype == DType.FLOAT64) {
            throw new IllegalArgumentException("tensors are published as FLOAT32 or BFLOAT16");
        }
        if (maxBlockBytes < 1024) {
            throw new IllegalArgumentException("max block bytes must be >= 1024, got " + maxBlockBytes);
        }
    }

    /** Without statistics: tensors only; no checkpoints. */
    public PublishPolicy(int every, int snapshotEvery, DType dtype, int maxBlockBytes) {
        this(every, snapshotEvery, dtype, maxBlockBytes, 0);
    }

    /** No checkpoints. */
    public PublishPolicy(int every, int snapshotEvery, DType dtype, int maxBlockBytes, int statsEvery) {
        this(every, snapshotEvery, dtype, maxBlockBytes, statsEvery, false);
    }

    /** The same with LayerStats every {@code n} steps (0: none). */
    public PublishPolicy withStatsEvery(int n) {
        return new PublishPolicy(every, snapshotEvery, dtype, maxBlockBytes, n, checkpoints);
    }

    /** The same with checkpoints on or off (the topic must exist: {@code TopicSetup.ensureTopics} creates it). */
    public PublishPolicy withCheckpoints(boolean on) {
        return new PublishPolicy(every, snapshotEvery, dtype, maxBlockBytes, statsEvery, on);
    }

    /** Whether a checkpoint of the state after {@code step}'s update goes out: step 0 and every snapshotEvery steps. */
    public boolean checkpoints(long step) {
        return checkpoints && step % snapshotEvery == 0;
    }

    /** The last step at or before {@code step} whose tensors go out, or -1. */
    public long lastPublishedAtOrBefore(long step) {
        return every > 0 && step >= 0 ? step - step % every : -1;
    }

    /** The last step at or before {@code step} whose statistics go out, or -1. */
    public long lastStatsAtOrBefore(long step) {
        return statsEvery > 0 && step >= 0 ? step - step % statsEvery : -1;
    }

    /** Whether LayerSteps (tensors) go out at {@code step}. */
    public boolean publishes(long step) {
        return every > 0 && step % every == 0;
    }

    public boolean snapshots(long step) {
        return every > 0 && step % snapshotEvery == 0;
    }

    /** Whether LayerStats go out at {@code step}. */
    public boolean publishesStats(long step) {
        return statsEvery > 0 && step % statsEvery == 0;
    }

    /** Whether {@code step} is analyzed live: it has statistics or tensors. */
    public boolean analyzes(long step) {
        return publishes(step) || publishesStats(step);
    }

    /** Steps between analyzed steps: the statistics' cadence when there are statistics, else the tensors'. */
    public int analyzeEvery() {
        return statsEvery > 0 ? statsEvery : every;
    }

    /** The last analyzed step of a run of {@code steps} steps (at least one). */
    public long lastAnalyzedStep(long steps) {
        long last = steps - 1;
        return last - (last % analyzeEvery());
    }

    /** Rows per block for a layer of {@code cols} inputs: five tensors (with a snapshot) per row must fit. */
    public int rowsPerBlock(int rows, int cols) {
        long rowBytes = 5L * cols * io.hebbscope.schema.TensorCodec.bytesPerValue(dtype);
        return (int) Math.max(1, Math.min(rows, maxBlockBytes / rowBytes));
    }

    /**
     * Rows of a full LayerStats block: about {@code maxBlockBytes} of per-neuron statistics (8,192 rows at 512 KiB),
     * the same for every layer (RunStarted.statsRowsPerBlock, what the analyzer checks the blocks against).
     */
    public int statsBlockRows() {
        return Math.max(1, maxBlockBytes / STATS_ROW_BYTES);
    }

    /** Rows per LayerStats block of a layer of {@code rows} neurons: {@link #statsBlockRows()}, or one block of all. */
    public int statsRowsPerBlock(int rows) {
        return Math.max(1, Math.min(rows, statsBlockRows()));
    }
}
