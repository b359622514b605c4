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
        float[] gradient = values("gradient", s.getGradient(), rows, cols, buffers, DecodeBuffers.GRADIENT);
        float[] signal = s.getSignal() == null ? null
            : values("signal", s.getSignal(), rows, cols, buffers, DecodeBuffers.SIGNAL);
        float[] hebbian = values("hebbian", s.getHebbian(), rows, cols, buffers, DecodeBuffers.HEBBIAN);
        float[] update = values("update", s.getUpdate(), rows, cols, buffers, DecodeBuffers.UPDATE);
        if (s.getWeights() != null) {
            values("weights", s.getWeights(), rows, cols, buffers, DecodeBuffers.WEIGHTS);
        }
        if (s.getOutputSquareMean() != null) {
            values("outputSquareMean", s.getOutputSquareMean(), rows, 1, null, 0);
        }
        check(Double.isFinite(s.getWeightNorm()), "non_finite", "weight norm is " + s.getWeightNorm());
        double[] sums = RowSums.of(gradient, signal, hebbian, update, rows, cols);
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

    private static float[] values(String name, Tensor t, int rows, int cols, DecodeBuffers buffers, int slot) {
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
        for (int i = 0; i < v.length; i++) {
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
