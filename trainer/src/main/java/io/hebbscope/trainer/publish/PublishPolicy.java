package io.hebbscope.trainer.publish;

import io.hebbscope.schema.DType;

/**
 * What the publisher sends, to bound the volume of large models.
 *
 * @param every         publish LayerSteps every this many steps (StepMetrics go out every step); weights can
 *                      be rebuilt at every step only when this is 1
 * @param snapshotEvery weight snapshots ride on step 0 and every this many steps (a multiple of {@code every})
 * @param dtype         FLOAT32 (default) or BFLOAT16 for the tensors
 * @param maxBlockBytes a layer is split into blocks of whole neuron rows of at most about this many bytes
 */
public record PublishPolicy(int every, int snapshotEvery, DType dtype, int maxBlockBytes) {
    public static final PublishPolicy DEFAULT = new PublishPolicy(1, 1000, DType.FLOAT32, 512 * 1024);

    public PublishPolicy {
        if (every < 1) {
            throw new IllegalArgumentException("publish every must be >= 1, got " + every);
        }
        if (snapshotEvery < 1 || snapshotEvery % every != 0) {
            throw new IllegalArgumentException("snapshot every (" + snapshotEvery
                + ") must be a positive multiple of publish every (" + every + ")");
        }
        if (dtype == DType.FLOAT64) {
            throw new IllegalArgumentException("tensors are published as FLOAT32 or BFLOAT16");
        }
        if (maxBlockBytes < 1024) {
            throw new IllegalArgumentException("max block bytes must be >= 1024, got " + maxBlockBytes);
        }
    }

    public boolean publishes(long step) {
        return step % every == 0;
    }

    public boolean snapshots(long step) {
        return step % snapshotEvery == 0;
    }

    /** Rows per block for a layer of {@code cols} inputs: five tensors (with a snapshot) per row must fit. */
    public int rowsPerBlock(int rows, int cols) {
        long rowBytes = 5L * cols * io.hebbscope.schema.TensorCodec.bytesPerValue(dtype);
        return (int) Math.max(1, Math.min(rows, maxBlockBytes / rowBytes));
    }
}
