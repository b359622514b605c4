package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.model.Forward;
import io.hebbscope.trainer.model.Gradients;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything an update rule may use for one step: backprop rules read {@code gradients}; rules like DFA read
 * the forward cache and the output error {@code outputGradient} = dL/d(output) instead.
 */
public record StepContext(long step, double learningRate, Forward forward, INDArray outputGradient,
                          Gradients gradients) {}
