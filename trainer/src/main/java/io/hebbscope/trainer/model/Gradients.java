package io.hebbscope.trainer.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * dL/dW_l (out x in) and dL/db_l (out) of the batch-mean task loss, per layer in forward order.
 * The trainer allocates one instance outside any workspace and the backward pass overwrites it each step.
 */
public record Gradients(List<INDArray> weights, List<INDArray> biases) {
    public Gradients {
        weights = List.copyOf(weights);
        biases = List.copyOf(biases);
    }

    public INDArray weight(int layer) { return weights.get(layer); }

    public INDArray bias(int layer) { return biases.get(layer); }
}
