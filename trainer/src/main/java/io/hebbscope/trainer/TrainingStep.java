package io.hebbscope.trainer;

import io.hebbscope.trainer.model.Forward;
import io.hebbscope.trainer.model.Gradients;
import io.hebbscope.trainer.model.Mlp;
import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.probe.Probe;
import io.hebbscope.trainer.rules.StepContext;
import io.hebbscope.trainer.rules.UpdateRule;
import io.hebbscope.trainer.rules.WeightNoise;
import io.hebbscope.trainer.tasks.Loss;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training step on one batch, in the paper's order: capture W_t (only when the terms are wanted), inject
 * weight noise, forward, loss, backward at the noisy weights, rule update, then the probe's terms. Scratch goes
 * to the caller's workspace; the gradient buffers are allocated once, outside it, and overwritten each step.
 */
public final class TrainingStep {
    private final Mlp model;
    private final Loss loss;
    private final UpdateRule rule;
    private final WeightNoise noise;
    private final Probe probe;
    private final Gradients gradients;

    public TrainingStep(Mlp model, Loss loss, UpdateRule rule, WeightNoise noise, Probe probe) {
        this.model = model;
        this.loss = loss;
        this.rule = rule;
        this.noise = noise;
        this.probe = probe;
        this.gradients = model.newGradients();
    }

    /**
     * What a step produced. {@code applied} is false when the loss was not finite: then no update was made.
     * {@code terms} is empty unless the terms were wanted.
     */
    public record Outcome(double loss, boolean applied, List<LayerTerms> terms) {}

    public Outcome run(long step, double learningRate, INDArray x, INDArray y, boolean wantTerms) {
        List<INDArray> before = wantTerms ? probe.captureWeights(model) : null;
        noise.perturb(model);
        Forward forward = model.forward(x);
        double value = loss.value(forward.output(), y);
        if (!Double.isFinite(value)) {
            return new Outcome(value, false, List.of());
        }
        INDArray outputGradient = loss.gradient(forward.output(), y);
        model.backward(forward, outputGradient, gradients);
        List<INDArray> signals = wantTerms && !rule.signalIsNegativeGradient() ? signalBuffers() : null;
        rule.apply(model, new StepContext(step, learningRate, forward, outputGradient, gradients), signals);
        List<LayerTerms> terms = wantTerms ? probe.terms(before, forward, gradients, signals, model) : List.of();
        return new Outcome(value, true, terms);
    }

    private List<INDArray> signalBuffers() {
        List<INDArray> buffers = new ArrayList<>(model.layerCount());
        for (INDArray w : model.weights()) {
            buffers.add(Nd4j.zeros(w.dataType(), w.shape()));
        }
        return buffers;
    }
}
