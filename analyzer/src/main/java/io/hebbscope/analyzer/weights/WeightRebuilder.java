package io.hebbscope.analyzer.weights;

import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.TensorCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds a layer's weights at any step from the log: the latest snapshot at or before the step plus
 * the updates since, {@code W(s) = W(k) + sum_{k <= t < s} U(t)}, summed in double precision.
 * Feed it the LayerSteps of one run and layer in any order; duplicates are ignored.
 */
public final class WeightRebuilder {
    private final String runId;
    private final String layer;
    private final TreeMap<Long, StepBlocks> steps = new TreeMap<>();
    private int rows = -1;
    private int cols = -1;

    public WeightRebuilder(String runId, String layer) {
        this.runId = runId;
        this.layer = layer;
    }

    /** The blocks of one step, assembled. */
    private static final class StepBlocks {
        final Map<Integer, LayerStep> blocks = new TreeMap<>();
        int blockCount;

        boolean complete() {
            return blocks.size() == blockCount;
        }

        boolean hasSnapshot() {
            return complete() && blocks.values().stream().allMatch(b -> b.getWeights() != null);
        }
    }

    /** Adds an event; events of other runs or layers are ignored. */
    public void add(LayerStep e) {
        if (!e.getRunId().equals(runId) || !e.getLayer().equals(layer)) {
            return;
        }
        if (rows < 0) {
            rows = e.getLayerRows();
            cols = e.getLayerCols();
        } else if (rows != e.getLayerRows() || cols != e.getLayerCols()) {
            throw new IllegalArgumentException("layer " + layer + " is " + rows + "x" + cols + " but step " + e.getStep()
                + " says " + e.getLayerRows() + "x" + e.getLayerCols());
        }
        StepBlocks s = steps.computeIfAbsent(e.getStep(), k -> new StepBlocks());
        s.blockCount = e.getBlockCount();
        s.blocks.putIfAbsent(e.getBlockIndex(), e);
    }

    /** The weights W(step) (before that step's update), rows x cols row-major. */
    public double[] weightsAt(long step) {
        Map.Entry<Long, StepBlocks> base = null;
        for (Map.Entry<Long, StepBlocks> entry : steps.headMap(step, true).descendingMap().entrySet()) {
            if (entry.getValue().hasSnapshot()) {
                base = entry;
                break;
            }
        }
        if (base == null) {
            throw new IllegalStateException("no weight snapshot of " + runId + "/" + layer + " at or before step " + step);
        }
        double[] w = new double[rows * cols];
        assemble(base.getValue(), true, w);
        List<Long> missing = new ArrayList<>();
        for (long t = base.getKey(); t < step; t++) {
            StepBlocks s = steps.get(t);
            if (s == null || !s.complete()) {
                missing.add(t);
                continue;
            }
            assemble(s, false, w);
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("cannot rebuild " + runId + "/" + layer + " at step " + step + ": the updates of "
                + missing.size() + " steps are missing from the log (first: " + missing.get(0)
                + "); weights rebuild at every step only when every step is published");
        }
        return w;
    }

    /** Adds (or, for a snapshot, sets) one step's values into w. */
    private void assemble(StepBlocks s, boolean snapshot, double[] w) {
        for (LayerStep b : s.blocks.values()) {
            float[] v = TensorCodec.decodeFloats(snapshot ? b.getWeights() : b.getUpdate());
            int offset = b.getRowOffset() * cols;
            for (int i = 0; i < v.length; i++) {
                w[offset + i] = snapshot ? v[i] : w[offset + i] + v[i];
            }
        }
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }
}
