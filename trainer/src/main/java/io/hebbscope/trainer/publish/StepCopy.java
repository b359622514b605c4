package io.hebbscope.trainer.publish;

import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.probe.NeuronStatistics;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the publisher sends of one step, copied off the step's workspace into float arrays that outlive it. An
 * instance is reused from step to step (the publisher thread hands it back to a pool), so once the arrays have
 * their sizes a step allocates nothing.
 */
final class StepCopy {
    long step;
    int epoch;
    double trainLoss;
    Double validationLoss;
    double learningRate;
    Double validationAccuracy;
    /** Null when the step had none. */
    double[] weightNorms;
    /** When the training thread handed the step over. */
    long timestampMs;
    /** Whether the layers carry their tensors (a LayerStep goes out) and their statistics (a LayerStats goes out). */
    boolean tensors;
    boolean stats;
    /** The first {@code layerCount} entries are this step's. */
    private final List<LayerCopy> layers = new ArrayList<>();
    int layerCount;

    /**
     * One layer's terms. The {@code has...} flags say which optional terms this step has; the others keep stale values.
     * Without tensors only {@code update} (for the update sketch) and the statistics are filled.
     */
    static final class LayerCopy {
        LayerInfo layer;
        float[] gradient = new float[0];
        float[] signal = new float[0];
        float[] hebbian = new float[0];
        float[] update = new float[0];
        float[] weights = new float[0];
        float[] outputSquareMean = new float[0];
        boolean hasSignal;
        boolean hasWeights;
        boolean hasOutputSquareMean;
        /** rows x 7 per-neuron statistics ({@link NeuronStatistics}), row-major; valid when the step has statistics. */
        double[] stats = new double[0];
        /** Unit roundoff of the arithmetic the statistics were computed in. */
        double statsRoundoff;
        private double[] statsColumns = new double[0];
    }

    /**
     * Copies {@code record}'s scalars and, when {@code withLayers}, the terms of its layers (weights only when
     * {@code withWeights}).
     */
    void fill(StepRecord record, long timestampMs, boolean withLayers, boolean withWeights) {
        fill(record, timestampMs, withLayers, withWeights, false);
    }

    /**
     * Copies {@code record}'s scalars; when {@code withTensors}, the terms of its layers (weights only when
     * {@code withWeights}); when {@code withStats}, computes the per-neuron statistics of its layers (on the terms'
     * backend, in the current workspace) and copies them with the update (for its sketch) and E[h^2].
     */
    void fill(StepRecord record, long timestampMs, boolean withTensors, boolean withWeights, boolean withStats) {
        step = record.step();
        epoch = record.epoch();
        trainLoss = record.trainLoss();
        validationLoss = record.validationLoss();
        learningRate = record.learningRate();
        validationAccuracy = record.validationAccuracy();
        this.timestampMs = timestampMs;
        double[] norms = record.weightNorms();
        if (norms == null) {
            weightNorms = null;
        } else {
            if (weightNorms == null || weightNorms.length != norms.length) {
                weightNorms = new double[norms.length];
            }
            System.arraycopy(norms, 0, weightNorms, 0, norms.length);
        }
        layerCount = 0;
        tensors = withTensors;
        stats = withStats;
        if (!withTensors && !withStats) {
            return;
        }
        for (LayerTerms terms : record.layers()) {
            if (layers.size() == layerCount) {
                layers.add(new LayerCopy());
            }
            LayerCopy c = layers.get(layerCount++);
            c.layer = terms.layer();
            c.update = copy(terms.update(), c.update);
            c.hasOutputSquareMean = terms.outputSquareMean() != null;
            if (c.hasOutputSquareMean) {
                c.outputSquareMean = copy(terms.outputSquareMean(), c.outputSquareMean);
            }
            if (withStats) {
                copyStats(terms, c);
            }
            if (!withTensors) {
                continue;
            }
            c.gradient = copy(terms.gradient(), c.gradient);
            c.hebbian = copy(terms.hebbian(), c.hebbian);
            c.hasSignal = terms.signal() != null;
            if (c.hasSignal) {
                c.signal = copy(terms.signal(), c.signal);
            }
            c.hasWeights = withWeights;
            if (withWeights) {
                c.weights = copy(terms.weights(), c.weights);
            }
        }
    }

    /** The layer's statistics, computed where its terms are, as float64 rows x 7 (neuron-major, like the wire). */
    private static void copyStats(LayerTerms terms, LayerCopy c) {
        INDArray columns = NeuronStatistics.sums(terms);
        c.statsRoundoff = NeuronStatistics.roundoff(columns.dataType());
        int rows = Math.toIntExact(columns.size(1));
        int n = rows * NeuronStatistics.WIDTH;
        if (c.statsColumns.length != n) {
            c.statsColumns = new double[n];
            c.stats = new double[n];
        }
        INDArray doubles = columns.dataType() == DataType.DOUBLE ? columns : columns.castTo(DataType.DOUBLE);
        Nd4j.getAffinityManager().ensureLocation(doubles, AffinityManager.Location.HOST);
        doubles.data().asNioDouble().get(c.statsColumns, 0, n);
        for (int k = 0; k < NeuronStatistics.WIDTH; k++) {
            for (int i = 0; i < rows; i++) {
                c.stats[i * NeuronStatistics.WIDTH + k] = c.statsColumns[k * rows + i];
            }
        }
    }

    LayerCopy layer(int i) {
        return layers.get(i);
    }

    /** {@code a}'s values row-major into {@code reuse}, or into a new array when {@code reuse} has another length. */
    private static float[] copy(INDArray a, float[] reuse) {
        float[] into = reuse.length == a.length() ? reuse : new float[Math.toIntExact(a.length())];
        copyRowMajor(a, into);
        return into;
    }

    /**
     * Copies the values of {@code a} row-major, as float, into the first {@code a.length()} entries of {@code into}.
     * A float array laid out row-major in its own buffer (what the probe makes) goes in one bulk copy from native
     * memory; anything else (a view, another order or type) is first made so in the current workspace.
     */
    static void copyRowMajor(INDArray a, float[] into) {
        INDArray src = a;
        if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || a.isView() || !Shape.hasDefaultStridesForShape(a)) {
            src = a.castTo(DataType.FLOAT).dup('c');
        }
        int n = Math.toIntExact(src.length());
        if (into.length < n) {
            throw new IllegalArgumentException(n + " values do not fit an array of " + into.length);
        }
        Nd4j.getAffinityManager().ensureLocation(src, AffinityManager.Location.HOST);
        src.data().asNioFloat().get(into, 0, n);
    }
}
