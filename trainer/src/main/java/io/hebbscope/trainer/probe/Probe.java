package io.hebbscope.trainer.probe;

import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.model.Forward;
import io.hebbscope.trainer.model.Gradients;
import io.hebbscope.trainer.model.Mlp;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Computes the per-layer terms of a step (paper-notes definitions) on the step's own batch. It is used in two
 * halves around the update: {@link #captureWeights} before the step's noise and update, {@link #terms} after.
 * All arrays it makes are scratch in the current workspace, valid until the step ends. Only called for steps
 * some listener asked for, so training alone pays nothing.
 */
public final class Probe {
    private final List<LayerInfo> layers;

    public Probe(List<LayerInfo> layers) {
        this.layers = List.copyOf(layers);
    }

    /** Describes the linear maps of {@code model} as monitored layers "layer0", "layer1", ... */
    public static List<LayerInfo> layersOf(Mlp model) {
        List<LayerInfo> infos = new ArrayList<>();
        for (int l = 0; l < model.layerCount(); l++) {
            INDArray w = model.weight(l);
            infos.add(new LayerInfo("layer" + l, l, w.rows(), w.columns()));
        }
        return List.copyOf(infos);
    }

    public List<LayerInfo> layers() {
        return layers;
    }

    /** W_t of every layer, copied before the step touches the weights (before noise). */
    public List<INDArray> captureWeights(Mlp model) {
        List<INDArray> copies = new ArrayList<>(model.layerCount());
        for (INDArray w : model.weights()) {
            copies.add(w.dup());
        }
        return copies;
    }

    /** H = (1/B) h^T a, out x in: the batch mean of h_i a_j. */
    public static INDArray hebbian(INDArray preActivation, INDArray input) {
        long batch = preActivation.size(0);
        INDArray h = Nd4j.createUninitialized(preActivation.dataType(), preActivation.size(1), input.size(1));
        Nd4j.gemm(preActivation, input, h, true, false, 1.0 / batch, 0.0);
        return h;
    }

    /**
     * The terms of every layer once the update is applied to {@code model}.
     *
     * @param before    {@link #captureWeights} of this step
     * @param forward   this step's forward pass (h and a of the batch, at the weights the gradient was taken at)
     * @param gradients this step's dL/dW (task loss only)
     * @param signals   the rule's g per layer, or null when g = -dL/dW
     */
    public List<LayerTerms> terms(List<INDArray> before, Forward forward, Gradients gradients,
                                  List<INDArray> signals, Mlp model) {
        List<LayerTerms> terms = new ArrayList<>(layers.size());
        for (int l = 0; l < layers.size(); l++) {
            INDArray hebb = hebbian(forward.preActivations().get(l), forward.inputs().get(l));
            INDArray update = model.weight(l).sub(before.get(l));
            terms.add(new LayerTerms(layers.get(l), before.get(l), gradients.weight(l),
                    signals == null ? null : signals.get(l), hebb, update));
        }
        return List.copyOf(terms);
    }
}
