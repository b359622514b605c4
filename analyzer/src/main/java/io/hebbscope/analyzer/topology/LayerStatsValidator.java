package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.alignment.RowSums;
import io.hebbscope.analyzer.detect.UpdateSketch;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.BlockSource;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.MalformedEventException;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;

/**
 * Stage 1 and 2 for the trainer's per-neuron statistics: decodes a LayerStats, checks it against its own declared
 * shape and against what statistics can be (finite, squared norms not negative, |<X_i, H_i>| within Cauchy-Schwarz),
 * and turns it into the same {@link BlockAlignment} a LayerStep's tensors reduce to, so that everything downstream
 * (assembly, alignment, EWMA, roles, detectors, metrics) is the same for both.
 */
public final class LayerStatsValidator {
    /** Columns of the sums that are squared norms. */
    private static final int[] SQUARES = {1, 3, 5, 6};

    private LayerStatsValidator() {}

    public static BlockAlignment reduce(byte[] value) {
        LayerStats stats;
        try {
            stats = EventCodec.get().decode(value, LayerStats.class);
        } catch (MalformedEventException e) {
            throw new InvalidRecordException("decode", e.getMessage(), e);
        }
        return reduce(stats);
    }

    public static BlockAlignment reduce(LayerStats s) {
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
        int rows = s.getSums().getRows();
        check(rows >= 1 && s.getRowOffset() >= 0 && (long) s.getRowOffset() + rows <= s.getLayerRows(), "shape",
            "rows " + s.getRowOffset() + ".." + ((long) s.getRowOffset() + rows) + " outside a layer of "
                + s.getLayerRows() + " rows");
        double[] sums = values("sums", s.getSums(), rows, RowSums.WIDTH);
        double[] sketch = values("updateSketch", s.getUpdateSketch(), 1, UpdateSketch.SIZE);
        if (s.getOutputSquareMean() != null) {
            values("outputSquareMean", s.getOutputSquareMean(), rows, 1);
        }
        check(Double.isFinite(s.getWeightNorm()), "non_finite", "weight norm is " + s.getWeightNorm());
        check(s.getRoundoff() >= 0 && s.getRoundoff() < 0.01, "invalid", "roundoff " + s.getRoundoff()
            + " is not a unit roundoff (2^-24 for float32, 2^-53 for float64)");
        double slack = 1 + 3 * (s.getLayerCols() + 2.0) * s.getRoundoff();
        for (int i = 0; i < rows; i++) {
            int base = i * RowSums.WIDTH;
            for (int c : SQUARES) {
                check(sums[base + c] >= 0, "invalid", "neuron " + (s.getRowOffset() + i) + ": squared norm column " + c
                    + " is negative (" + sums[base + c] + ")");
            }
            for (int x = 0; x < 3; x++) {
                double bound = Math.sqrt(sums[base + 2 * x + 1] * sums[base + RowSums.HEBBIAN]) * slack;
                check(Math.abs(sums[base + 2 * x]) <= bound + Double.MIN_NORMAL, "invalid", "neuron "
                    + (s.getRowOffset() + i) + ": |dot column " + (2 * x) + "| = " + Math.abs(sums[base + 2 * x])
                    + " exceeds |X_i||H_i| = " + bound + " (Cauchy-Schwarz)");
            }
        }
        return BlockAlignment.newBuilder().setRunId(s.getRunId()).setLayer(s.getLayer()).setLayerIndex(s.getLayerIndex())
            .setStep(s.getStep()).setPreviousStep(s.getPreviousStep()).setEpoch(s.getEpoch())
            .setBlockIndex(s.getBlockIndex()).setBlockCount(s.getBlockCount()).setRowOffset(s.getRowOffset())
            .setLayerRows(s.getLayerRows()).setSums(TensorCodec.encodeDoubles(sums, rows, RowSums.WIDTH))
            .setTimestampMs(s.getTimestampMs()).setUpdateSketch(TensorCodec.encodeDoubles(sketch, 1, UpdateSketch.SIZE))
            .setWeightNorm(s.getWeightNorm()).setLayerCols(s.getLayerCols())
            .setSource(BlockSource.STATS).setTwin(s.getWithTensors()).setValueError(0.0).setRoundoff(s.getRoundoff())
            .build();
    }

    private static double[] values(String name, Tensor t, int rows, int cols) {
        check(t.getRows() == rows && t.getCols() == cols, "shape",
            name + " is " + t.getRows() + "x" + t.getCols() + ", expected " + rows + "x" + cols);
        double[] v;
        try {
            v = TensorCodec.decodeDoubles(t);
        } catch (MalformedEventException e) {
            throw new InvalidRecordException("shape", name + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
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
