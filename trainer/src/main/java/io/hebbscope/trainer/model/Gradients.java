package io.hebbscope.trainer.model;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * dL/dW_l (out x in), dL/db_l (out) per monitored map in forward order, and dL/dp for the model's
 * {@link Model#extras()} in the same order. The trainer allocates one instance outside any workspace and the
 * backward pass overwrites it each step.
 */
public record Gradients(List<INDArray> weights, List<INDArray> biases, List<INDArray> extras) {
    public Gradients {
        weights = List.copyOf(weights);
        biases = List.copyOf(biases);
        extras = List.copyOf(extras);
    }

    /** Gradients of a model without extra parameters. */
    public Gradients(List<INDArray> weights, List<INDArray> biases) {
        this(weights, biases, List.of());
    }

    public INDArray weight(int layer) { return weights.get(layer); }

    public INDArray bias(int layer) { return biases.get(layer); }

    public INDArray extra(int index) { return extras.get(index); }

    /** A view of layers [from, to) and extras [extraFrom, extraTo) sharing these arrays (for sub-networks). */
    public Gradients slice(int from, int to, int extraFrom, int extraTo) {
        return new Gradients(weights.subList(from, to), biases.subList(from, to), extras.subList(extraFrom, extraTo));
    }
}
