package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.model.Broadcast;
import io.hebbscope.trainer.model.Model;
import io.hebbscope.trainer.probe.Probe;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Oja's rule per neuron on every monitored map, batch-averaged: for neuron i with pre-activation h_i (bias
 * included) and input a, dw_i = mean over rows of h_i (a - h_i w_i), i.e. g = H - diag(mean(h_i^2)) W with
 * H = (1/rows) h^T a. It keeps each neuron's weight norm near 1 by itself. Biases and extras stay unchanged.
 */
public final class Oja extends LocalRule {

    public Oja(Regularizers regularizers) {
        super(regularizers);
    }

    @Override
    public String name() {
        return "oja";
    }

    @Override
    protected void signals(Model model, StepContext context, INDArray[] weightSignals, INDArray[] biasSignals) {
        for (int l = 0; l < model.layerCount(); l++) {
            INDArray h = context.forward().preActivations().get(l);
            INDArray hebb = Probe.hebbian(h, context.forward().inputs().get(l));
            INDArray meanSq = h.mul(h).mean(0); // out
            weightSignals[l] = hebb.subi(Broadcast.mulColumn(model.weight(l), meanSq));
        }
    }
}
