package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.alignment.RowSums;
import io.hebbscope.analyzer.detect.UpdateSketch;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.BlockSource;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.MalformedEventException;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;

/**
 * Stage 1 and 2: decodes a LayerStep, checks it against its own declared shape, and reduces it to the
 * per-row sums the rest of the analysis needs (so the big tensors never enter a repartition topic or a store).
 */
public final class LayerStepValidator {
    private LayerStepValidator() {}

    public static BlockAlignment reduce(byte[] value) {
        LayerStep step;
        try {
            step = EventCodec.get().decode(value, LayerStep.class);
        } catch (MalformedEventException e) {
            throw new InvalidRecordException("decode", e.getMessage(), e);
        }
        return reduce(step);
    }

    public static BlockAlignment reduce(LayerStep s) {
        return reduce(s, new DecodeBuffers());
    }

    /** The same, decoding the tensors into {@code buffers}' arrays. */
    static BlockAlignment reduce(LayerStep s, DecodeBuffers buffers) {
        try {
            Keys.requireValidName("run id", s.getRunId());
            Keys.requireValidName("layer", s.getLayer());
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException("invalid", e.getMessage());
        }
        check(s.getStep() >= 0, "invalid", "negative step " + s.getStep());
        check(s.getPreviousStep() < s.getStep(), "invalid",
            "previousStep " + s.getPreviousStep() + " is not before step " + s.getStep());
        check(s.getBlockCount() >= 1 && s.getBlockIndex() >= 0 && s.getBlockIndex() < s.getBlockCount(), "invalid",
            "block " + s.getBlockIndex() + " of " + s.getBlockCount());
        check(s.getLayerRows() >= 1 && s.getLayerCols() >= 1, "shape",
            "layer shape " + s.getLayerRows() + "x" + s.getLayerCols());
        int rows = s.getGradient().getRows();
        int cols = s.getLayerCols();
        check(rows >= 1 && s.getRowOffset() >= 0 && (long) s.getRowOffset() + rows <= s.getLayerRows(), "shape",
            "rows " + s.getRowOffset() + ".." + ((long) s.getRowOffset() + rows) + " outside a layer of "
                + s.getLayerRows() + " rows");
        // The four tensors of the sums are checked for non-finite values by the sums themselves (RowSums.finite), not
        // by a pass of their own; any rejection is then found again in the checks' order, so that a record with
        // several faults is rejected for the same one as before.
        float[] gradient;
        float[] signal;
        float[] hebbian;
        float[] update;
        double[] sums;
        try {
            gradient = values("gradient", s.getGradient(), rows, cols, buffers, DecodeBuffers.GRADIENT, false);
            signal = s.getSignal() == null ? null
                : values("signal", s.getSignal(), rows, cols, buffers, DecodeBuffers.SIGNAL, false);
            hebbian = values("hebbian", s.getHebbian(), rows, cols, buffers, DecodeBuffers.HEBBIAN, false);
            update = values("update", s.getUpdate(), rows, cols, buffers, DecodeBuffers.UPDATE, false);
            checkRest(s, rows, cols, buffers);
            sums = RowSums.of(gradient, signal, hebbian, update, rows, cols);
            check(RowSums.finite(sums), "non_finite", "a tensor has a non-finite value");
        } catch (InvalidRecordException e) {
            checkInOrder(s, rows, cols, buffers);
            throw e; // not reached: the checks in order find what the fast path did
        }
        double[] sketch = UpdateSketch.of(update, s.getRowOffset(), rows, cols);
        return BlockAlignment.newBuilder().setRunId(s.getRunId()).setLayer(s.getLayer()).setLayerIndex(s.getLayerIndex())
            .setStep(s.getStep()).setPreviousStep(s.getPreviousStep()).setEpoch(s.getEpoch())
            .setBlockIndex(s.getBlockIndex()).setBlockCount(s.getBlockCount()).setRowOffset(s.getRowOffset())
            .setLayerRows(s.getLayerRows()).setSums(TensorCodec.encodeDoubles(sums, rows, RowSums.WIDTH))
            .setTimestampMs(s.getTimestampMs()).setUpdateSketch(TensorCodec.encodeDoubles(sketch, 1, UpdateSketch.SIZE))
            .setWeightNorm(s.getWeightNorm()).setLayerCols(s.getLayerCols())
            .setSource(BlockSource.TENSORS).setTwin(s.getWithStats()).setValueError(TwinCheck.valueError(s))
            .setRoundoff(0x1p-53).build();
    }

    /** Every tensor's checks in their order: throws the first fault of a record the fast path rejected. */
    private static void checkInOrder(LayerStep s, int rows, int cols, DecodeBuffers buffers) {
        values("gradient", s.getGradient(), rows, cols, buffers, DecodeBuffers.GRADIENT, true);
        if (s.getSignal() != null) {
            values("signal", s.getSignal(), rows, cols, buffers, DecodeBuffers.SIGNAL, true);
        }
        values("hebbian", s.getHebbian(), rows, cols, buffers, DecodeBuffers.HEBBIAN, true);
        values("update", s.getUpdate(), rows, cols, buffers, DecodeBuffers.UPDATE, true);
        checkRest(s, rows, cols, buffers);
    }

    /** What follows the four tensors of the sums: the weights, the output square means and the weight norm. */
    private static void checkRest(LayerStep s, int rows, int cols, DecodeBuffers buffers) {
        if (s.getWeights() != null) {
            values("weights", s.getWeights(), rows, cols, buffers, DecodeBuffers.WEIGHTS, true);
        }
        if (s.getOutputSquareMean() != null) {
            values("outputSquareMean", s.getOutputSquareMean(), rows, 1, null, 0, true);
        }
        check(Double.isFinite(s.getWeightNorm()), "non_finite", "weight norm is " + s.getWeightNorm());
    }

    private static float[] values(String name, Tensor t, int rows, int cols, DecodeBuffers buffers, int slot,
                                  boolean checkFinite) {
        check(t.getRows() == rows && t.getCols() == cols, "shape",
            name + " is " + t.getRows() + "x" + t.getCols() + ", expected " + rows + "x" + cols);
        float[] v;
        try {
            // a reused array only for a tensor whose bytes hold its shape: a forged shape allocates nothing
            long n = (long) rows * cols;
            boolean fits = buffers != null && t.getDtype() == DType.FLOAT32 && t.getBytes().remaining() == 4 * n;
            v = fits ? TensorCodec.decodeFloats(t, buffers.floats(slot, (int) n)) : TensorCodec.decodeFloats(t);
        } catch (MalformedEventException e) {
            throw new InvalidRecordException("shape", name + ": " + e.getMessage(), e);
        }
        for (int i = 0; checkFinite && i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new InvalidRecordException("non_finite",
                    name + " has a non-finite value " + v[i] + " at row " + (i / cols) + ", column " + (i % cols));
            }
        }
        return v;
    }

    private static void check(boolean ok, String category, String reason) {
        if (!ok) {
            throw new InvalidRecordException(category, reason);
        }
    }
}
