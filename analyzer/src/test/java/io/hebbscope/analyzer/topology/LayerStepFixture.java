package io.hebbscope.analyzer.topology;

import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.TensorCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Random full layer terms for a chain of steps, split into LayerStep blocks as a trainer would publish them. */
public final class LayerStepFixture {
    public final String runId;
    final String layer;
    public final int rows;
    public final int cols;
    final int blocks;
    final boolean withSignal;
    /** terms.get(stepIndex)[t]: t = 0 gradient, 1 signal, 2 hebbian, 3 update; full rows x cols. */
    public final List<float[][]> terms = new ArrayList<>();
    public final long[] steps;
    final int layerIndex;

    public LayerStepFixture(String runId, String layer, int rows, int cols, int blocks, boolean withSignal, long[] steps, long seed) {
        this(runId, layer, 1, rows, cols, blocks, withSignal, steps, seed);
    }

    public LayerStepFixture(String runId, String layer, int layerIndex, int rows, int cols, int blocks, boolean withSignal,
                            long[] steps, long seed) {
        this.layerIndex = layerIndex;
        this.runId = runId;
        this.layer = layer;
        this.rows = rows;
        this.cols = cols;
        this.blocks = blocks;
        this.withSignal = withSignal;
        this.steps = steps;
        Random r = new Random(seed);
        for (int s = 0; s < steps.length; s++) {
            float[][] t = new float[4][rows * cols];
            for (float[] a : t) {
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) r.nextGaussian();
                }
            }
            // Neuron 0's Hebbian row is zero at every step: its alignment is undefined.
            Arrays.fill(t[2], 0, cols, 0f);
            terms.add(t);
        }
    }

    int rowsPerBlock() {
        return (rows + blocks - 1) / blocks;
    }

    /** The block records of step index s, in block order. */
    public List<LayerStep> blocksOf(int s) {
        List<LayerStep> out = new ArrayList<>();
        int per = rowsPerBlock();
        int blockCount = (rows + per - 1) / per;
        for (int b = 0; b < blockCount; b++) {
            int from = b * per;
            int to = Math.min(rows, from + per);
            float[][] t = terms.get(s);
            out.add(LayerStep.newBuilder()
                .setRunId(runId).setLayer(layer).setLayerIndex(layerIndex).setStep(steps[s])
                .setPreviousStep(s == 0 ? -1 : steps[s - 1]).setEpoch(0)
                .setBlockIndex(b).setBlockCount(blockCount).setRowOffset(from).setLayerRows(rows).setLayerCols(cols)
                .setGradient(slice(t[0], from, to)).setSignal(withSignal ? slice(t[1], from, to) : null)
                .setHebbian(slice(t[2], from, to)).setUpdate(slice(t[3], from, to))
                .setWeights(s == 0 ? slice(t[3], from, to) : null)
                .setTimestampMs(1000 + s).build());
        }
        return out;
    }

    /** The layer as its run's RunStarted describes it. */
    public LayerShape shape() {
        int per = rowsPerBlock();
        return new LayerShape(layer, layerIndex, rows, cols, per, (rows + per - 1) / per);
    }

    /** A valid RunStarted of {@code runId} with these layers and {@code totalSteps} steps. */
    public static RunStarted runStarted(String runId, long totalSteps, LayerShape... layers) {
        return RunStarted.newBuilder().setRunId(runId).setStartedAtMs(1).setTask("sre").setModel("mlp").setRule("sgd")
            .setSeed(1).setConfig(java.util.Map.of("learningRate", "0.1")).setLayers(List.of(layers)).setStepsPerEpoch(10)
            .setTotalSteps(totalSteps).setSnapshotEvery(0).build();
    }

    private io.hebbscope.schema.Tensor slice(float[] m, int from, int to) {
        return TensorCodec.encode(Arrays.copyOfRange(m, from * cols, to * cols), to - from, cols);
    }

    /** Direct computation, independent of the analyzer's code: cos(sign * x_row, h_row), NaN when undefined. */
    static double rowCosine(float[] x, float[] h, int row, int cols, int sign) {
        double dot = 0;
        double xx = 0;
        double hh = 0;
        for (int c = 0; c < cols; c++) {
            dot += (double) x[row * cols + c] * h[row * cols + c];
            xx += (double) x[row * cols + c] * x[row * cols + c];
            hh += (double) h[row * cols + c] * h[row * cols + c];
        }
        return xx == 0 || hh == 0 ? Double.NaN : sign * dot / Math.sqrt(xx * hh);
    }

    static double layerCosine(float[] x, float[] h, int sign) {
        double dot = 0;
        double xx = 0;
        double hh = 0;
        for (int i = 0; i < x.length; i++) {
            dot += (double) x[i] * h[i];
            xx += (double) x[i] * x[i];
            hh += (double) h[i] * h[i];
        }
        return sign * dot / Math.sqrt(xx * hh);
    }
}
