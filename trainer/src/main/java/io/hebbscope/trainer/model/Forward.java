package io.hebbscope.trainer.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one forward pass keeps for the backward pass, the rules and the probe, per monitored linear map l
 * (forward order): {@code inputs.get(l)} = a_l and {@code preActivations.get(l)} = h_l = a_l W_l^T + b_l, both
 * 2-D with one row per example (MLP) or per example and token (transformer: B*T rows, example-major).
 * {@code output} is the network output (B x outputs); {@code cache} holds model-specific intermediates
 * (normalization statistics, attention probabilities) for the model's own backward pass.
 */
public record Forward(List<INDArray> inputs, List<INDArray> preActivations, INDArray output, Object cache) {
    public Forward {
        inputs = List.copyOf(inputs);
        preActivations = List.copyOf(preActivations);
    }

    /** A forward pass whose output is the last map's pre-activation and that needs no cache. */
    public Forward(List<INDArray> inputs, List<INDArray> preActivations) {
        this(inputs, preActivations, preActivations.get(preActivations.size() - 1), null);
    }

    /** Batch size B (examples, not tokens). */
    public long batchSize() {
        return output.size(0);
    }
}
