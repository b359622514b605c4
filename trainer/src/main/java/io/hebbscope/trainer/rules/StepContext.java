package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.model.Forward;
import io.hebbscope.trainer.model.Gradients;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything an update rule may use for one step: the batch input {@code input} (B x inputs), the forward cache
 * (each monitored map's a and h), the output error {@code outputGradient} = dL/d(output), the task-loss
 * {@code gradients} of every parameter, and {@code penalty}: the gradients of the activation-sparsity penalty,
 * or null when that penalty is off.
 */
public record StepContext(long step, double learningRate, INDArray input, Forward forward, INDArray outputGradient,
                          Gradients gradients, Gradients penalty) {

    /** A context without input and without penalty (rules that need neither). */
    public StepContext(long step, double learningRate, Forward forward, INDArray outputGradient, Gradients gradients) {
        this(step, learningRate, null, forward, outputGradient, gradients, null);
    }
}
