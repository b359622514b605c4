package io.hebbscope.trainer.model;

import io.hebbscope.trainer.LayerInfo;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trainable network as the trainer, the rules and the probe see it: a list of <em>monitored linear maps</em>
 * h = a W^T + b (W out x in, one bias each, forward order, described by {@link #layers()}), plus any other
 * trainable parameters ({@link #extras()}: embeddings, normalization gains and shifts) that are trained but not
 * monitored. A forward pass exposes each monitored map's input a and pre-activation h as 2-D arrays
 * (rows = examples, or examples x tokens), so the probe's Hebbian term H = (1/rows) h^T a is the same code for
 * every model. Parameters live outside any workspace; forward/backward scratch goes to the current workspace.
 */
public interface Model {

    /** "mlp" or "transformer" (RunInfo.model). */
    String kind();

    DataType dataType();

    /** Columns of the input x (features, or tokens per sequence). */
    int inputWidth();

    /** Columns of the output. */
    int outputWidth();

    /** The monitored linear maps, forward order, named per {@code [A-Za-z0-9._-]{1,128}}. */
    List<LayerInfo> layers();

    default int layerCount() {
        return weights().size();
    }

    /** The live weight matrices of the monitored maps (rules modify them in place). */
    List<INDArray> weights();

    /** The live biases, one per monitored map. */
    List<INDArray> biases();

    /** The other live trainable parameters (empty for a plain MLP), in a fixed model-defined order. */
    List<INDArray> extras();

    /**
     * The model's live state that is not trained but changes while training (batch norm's running means and
     * variances), in a fixed model-defined order: what a checkpoint carries beside the parameters. Empty by default.
     */
    default List<INDArray> buffers() {
        return List.of();
    }

    default INDArray weight(int layer) {
        return weights().get(layer);
    }

    default INDArray bias(int layer) {
        return biases().get(layer);
    }

    /**
     * Runs x through the net keeping what backward and the probe need. {@code training} selects batch statistics
     * (and updates running statistics) for batch norm; it changes nothing for models without it.
     */
    Forward forward(INDArray x, boolean training);

    /** A training-mode forward pass. */
    default Forward forward(INDArray x) {
        return forward(x, true);
    }

    /** The evaluation-mode output for x. */
    default INDArray predict(INDArray x) {
        return forward(x, false).output();
    }

    /**
     * Backpropagates {@code outputGradient} = dL/d(output) (already including the loss's batch mean) and, when
     * {@code activationSparsity} > 0, the gradient of the activation-sparsity penalty
     * {@code activationSparsity * sum over hidden activation arrays of mean(|f|)}, writing dL/dparameter for every
     * parameter into {@code into} (overwritten).
     */
    void backward(Forward forward, INDArray outputGradient, double activationSparsity, Gradients into);

    /**
     * For Direct Feedback Alignment: given a gradient {@code upstream} with respect to the output of monitored map
     * {@code layer}'s block (same rows as its h), propagates it through that block's own nonlinearity only
     * (activation, batch norm) back to h, without touching other layers. Identity for maps followed by no
     * nonlinearity. A new array.
     */
    INDArray localDelta(Forward forward, int layer, INDArray upstream);

    /** Zero-filled gradient buffers of the parameters' shapes, allocated outside any workspace. */
    @SuppressWarnings("try")
    default Gradients newGradients() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return new Gradients(zerosLike(weights()), zerosLike(biases()), zerosLike(extras()));
        }
    }

    /** Detached copies of the weights (outside any workspace), forward order. */
    default List<INDArray> copyWeights() {
        return copyAll(weights());
    }

    /** Detached copies of the biases (outside any workspace), forward order. */
    default List<INDArray> copyBiases() {
        return copyAll(biases());
    }

    private static List<INDArray> zerosLike(List<INDArray> arrays) {
        List<INDArray> out = new ArrayList<>(arrays.size());
        for (INDArray a : arrays) {
            out.add(Nd4j.zeros(a.dataType(), a.shape()));
        }
        return out;
    }

    @SuppressWarnings("try")
    private static List<INDArray> copyAll(List<INDArray> arrays) {
        List<INDArray> copies = new ArrayList<>(arrays.size());
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (INDArray a : arrays) {
                copies.add(a.dup());
            }
        }
        return List.copyOf(copies);
    }
}
