package io.hebbscope.trainer.publish;

import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.probe.LayerTerms;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
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
     * Without tensors only E[h^2] and the arrays for the statistics are filled.
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
        /**
         * For the statistics (computed on the publisher thread): the terms copied on their backend into arrays outside
         * any workspace, reused from step to step; H itself when the step computed it, else h and a to compute it from.
         */
        INDArray statsGradient;
        INDArray statsSignal;
        INDArray statsUpdate;
        INDArray statsHebbian;
        INDArray statsPreActivation;
        INDArray statsInput;
        boolean statsHasHebbian;
        /**
         * The step's tensors go out but H was not computed on the training thread: the publisher thread computes it
         * from {@code statsPreActivation} and {@code statsInput} into {@code hebbian} before encoding.
         */
        boolean hebbianDeferred;
        /** The step these arrays were last filled from. */
        long copiedStep = -1;
    }

    /**
     * Copies {@code record}'s scalars and, when {@code withLayers}, the terms of its layers (weights only when
     * {@code withWeights}).
     */
    void fill(StepRecord record, long timestampMs, boolean withLayers, boolean withWeights) {
        fill(record, timestampMs, withLayers, withWeights, false);
    }

    /**
     * Copies {@code record}'s scalars; when {@code withTensors}, the terms of its layers to the host (weights only
     * when {@code withWeights}); when {@code withStats}, what their per-neuron statistics are computed from, on the
     * terms' backend, and E[h^2].
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
            c.copiedStep = record.step();
            c.hasSignal = terms.signal() != null;
            c.hasOutputSquareMean = terms.outputSquareMean() != null;
            if (c.hasOutputSquareMean) {
                c.outputSquareMean = copy(terms.outputSquareMean(), c.outputSquareMean);
            }
            if (withStats) {
                keepForStatistics(terms, c);
                // an asynchronous backend (CUDA) finishes the copies before the publisher thread reads them
                Nd4j.getExecutioner().commit();
            }
            if (!withTensors) {
                continue;
            }
            c.update = copy(terms.update(), c.update);
            c.gradient = copy(terms.gradient(), c.gradient);
            c.hebbianDeferred = terms.hebbian() == null;
            if (c.hebbianDeferred) {
                if (!withStats) { // else keepForStatistics has h and a already
                    c.statsPreActivation = detach(terms.preActivation(), c.statsPreActivation);
                    c.statsInput = detach(terms.input(), c.statsInput);
                    Nd4j.getExecutioner().commit();
                }
            } else {
                c.hebbian = copy(terms.hebbian(), c.hebbian);
            }
            if (c.hasSignal) {
                c.signal = copy(terms.signal(), c.signal);
            }
            c.hasWeights = withWeights;
            if (withWeights) {
                c.weights = copy(terms.weights(), c.weights);
            }
        }
    }

    /**
     * What the layer's statistics are computed from, copied on the terms' backend (a device-side copy, no transfer)
     * out of the step's workspace: the training thread pays copies, the publisher thread the arithmetic.
     */
    private static void keepForStatistics(LayerTerms terms, LayerCopy c) {
        c.statsGradient = detach(terms.gradient(), c.statsGradient);
        if (terms.signal() != null) {
            c.statsSignal = detach(terms.signal(), c.statsSignal);
        }
        c.statsUpdate = detach(terms.update(), c.statsUpdate);
        c.statsHasHebbian = terms.hebbian() != null;
        if (c.statsHasHebbian) {
            c.statsHebbian = detach(terms.hebbian(), c.statsHebbian);
        } else {
            c.statsPreActivation = detach(terms.preActivation(), c.statsPreActivation);
            c.statsInput = detach(terms.input(), c.statsInput);
        }
    }

    /** {@code source}'s values in {@code reuse} (c order, outside any workspace), or in a new such array. */
    @SuppressWarnings("try") // the scope only redirects allocations
    static INDArray detach(INDArray source, INDArray reuse) {
        INDArray into = reuse;
        if (into == null || into.dataType() != source.dataType() || !java.util.Arrays.equals(into.shape(), source.shape())) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                into = Nd4j.createUninitialized(source.dataType(), source.shape(), 'c');
            }
        }
        return into.assign(source);
    }

    LayerCopy layer(int i) {
        return layers.get(i);
    }

    /** {@code a}'s values row-major into {@code reuse}, or into a new array when {@code reuse} has another length. */
    static float[] copy(INDArray a, float[] reuse) {
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
        Reference.reachabilityFence(src); // the buffer does not keep a copy made here alive
    }
}
