package io.hebbscope.trainer;

import io.hebbscope.trainer.model.Forward;
import io.hebbscope.trainer.model.Gradients;
import io.hebbscope.trainer.model.Model;
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
 * weight noise, forward, loss, backward at the noisy weights (the task loss; then, when the activation-sparsity
 * penalty is on, the penalty alone into separate buffers, so the probe's gradient stays the task-loss gradient),
 * rule update, then the probe's terms. Scratch goes to the caller's workspace; the gradient buffers are allocated
 * once, outside it, and overwritten each step.
 */
public final class TrainingStep {
    private final Model model;
    private final Loss loss;
    private final UpdateRule rule;
    private final WeightNoise noise;
    private final Probe probe;
    private final double activationSparsity;
    private final Gradients gradients;
    private final Gradients penalty;

    public TrainingStep(Model model, Loss loss, UpdateRule rule, WeightNoise noise, Probe probe) {
        this(model, loss, rule, noise, probe, 0.0);
    }

    /** @param activationSparsity coefficient of the activation-sparsity penalty (see {@link Model#backward}) */
    public TrainingStep(Model model, Loss loss, UpdateRule rule, WeightNoise noise, Probe probe,
                        double activationSparsity) {
        if (activationSparsity < 0 || !Double.isFinite(activationSparsity)) {
            throw new IllegalArgumentException("activationSparsity must be finite and >= 0: " + activationSparsity);
        }
        this.model = model;
        this.loss = loss;
        this.rule = rule;
        this.noise = noise;
        this.probe = probe;
        this.activationSparsity = activationSparsity;
        this.gradients = model.newGradients();
        this.penalty = activationSparsity > 0 ? model.newGradients() : null;
        rule.init(model);
    }

    /**
     * What a step produced. {@code applied} is false when the loss was not finite: then no update was made.
     * {@code terms} is empty unless the terms were wanted.
     */
    public record Outcome(double loss, boolean applied, List<LayerTerms> terms) {}

    public Outcome run(long step, double learningRate, INDArray x, INDArray y, boolean wantTerms) {
        return run(step, learningRate, x, y, wantTerms, wantTerms);
    }

    /** The same; the terms leave H out (null) unless {@code wantHebbian} (see {@link Probe#terms}). */
    public Outcome run(long step, double learningRate, INDArray x, INDArray y, boolean wantTerms, boolean wantHebbian) {
        List<INDArray> before = wantTerms ? probe.captureWeights(model) : null;
        noise.perturb(model);
        Forward forward = model.forward(x, true);
        double value = loss.value(forward.output(), y);
        if (!Double.isFinite(value)) {
            return new Outcome(value, false, List.of());
        }
        INDArray outputGradient = loss.gradient(forward.output(), y);
        model.backward(forward, outputGradient, 0.0, gradients);
        if (penalty != null) {
            model.backward(forward, Nd4j.zerosLike(outputGradient), activationSparsity, penalty);
        }
        List<INDArray> signals = wantTerms && !rule.signalIsNegativeGradient() ? signalBuffers() : null;
        rule.apply(model, new StepContext(step, learningRate, x, forward, outputGradient, gradients, penalty), signals);
        List<LayerTerms> terms = wantTerms ? probe.terms(before, forward, gradients, signals, model, wantHebbian)
                : List.of();
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
