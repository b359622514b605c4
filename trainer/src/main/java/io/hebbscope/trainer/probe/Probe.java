package io.hebbscope.trainer.probe;

import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.model.Forward;
import io.hebbscope.trainer.model.Gradients;
import io.hebbscope.trainer.model.Model;
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

    /** The monitored linear maps of {@code model} ("layer0", ... for an MLP; "enc0.q", ... for a transformer). */
    public static List<LayerInfo> layersOf(Model model) {
        return model.layers();
    }

    public List<LayerInfo> layers() {
        return layers;
    }

    /** W_t of every layer, copied before the step touches the weights (before noise). */
    public List<INDArray> captureWeights(Model model) {
        List<INDArray> copies = new ArrayList<>(model.layerCount());
        for (INDArray w : model.weights()) {
            copies.add(w.dup());
        }
        return copies;
    }

    /**
     * H = (1/N) h^T a, out x in: the mean of h_i a_j over the N rows of h and a (N = B examples, or B*T
     * example-tokens for a map applied per token).
     */
    public static INDArray hebbian(INDArray preActivation, INDArray input) {
        INDArray h = Nd4j.createUninitialized(preActivation.dataType(), preActivation.size(1), input.size(1));
        return hebbian(preActivation, input, h);
    }

    /** The same into {@code into} (out x in, c order), which it returns. */
    public static INDArray hebbian(INDArray preActivation, INDArray input, INDArray into) {
        long rows = preActivation.size(0);
        Nd4j.gemm(preActivation, input, into, true, false, 1.0 / rows, 0.0);
        return into;
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
                                  List<INDArray> signals, Model model) {
        return terms(before, forward, gradients, signals, model, true);
    }

    /**
     * The same; with {@code withHebbian} false, H is left out (null) and only h and a are handed on, for a listener
     * that computes what it needs of H itself, off the training thread.
     */
    public List<LayerTerms> terms(List<INDArray> before, Forward forward, Gradients gradients,
                                  List<INDArray> signals, Model model, boolean withHebbian) {
        List<LayerTerms> terms = new ArrayList<>(layers.size());
        for (int l = 0; l < layers.size(); l++) {
            INDArray h = forward.preActivations().get(l);
            INDArray a = forward.inputs().get(l);
            INDArray hebb = withHebbian ? hebbian(h, a) : null;
            INDArray update = model.weight(l).sub(before.get(l));
            terms.add(new LayerTerms(layers.get(l), before.get(l), gradients.weight(l),
                    signals == null ? null : signals.get(l), hebb, update, h.mul(h).mean(0), h, a));
        }
        return List.copyOf(terms);
    }
}
