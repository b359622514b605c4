package io.hebbscope.trainer.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one forward pass keeps for the backward pass and the probe, per linear layer l (forward order):
 * {@code inputs.get(l)} = a_l (B x in, the previous layer's post-activation; a_0 = x) and
 * {@code preActivations.get(l)} = h_l = a_l W_l^T + b_l (B x out). The output is the last h (linear head).
 */
public record Forward(List<INDArray> inputs, List<INDArray> preActivations) {
    public Forward {
        inputs = List.copyOf(inputs);
        preActivations = List.copyOf(preActivations);
    }

    /** The network output, B x outputs: the last layer's pre-activation (the output layer is linear). */
    public INDArray output() {
        return preActivations.get(preActivations.size() - 1);
    }

    /** Batch size B. */
    public long batchSize() {
        return inputs.get(0).size(0);
    }
}
