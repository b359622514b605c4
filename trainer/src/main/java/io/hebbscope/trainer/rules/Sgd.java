package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.Checkpoint;
import io.hebbscope.trainer.model.Gradients;
import io.hebbscope.trainer.model.Model;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain SGD: W <- W - lr (dL/dW + P_W + gamma W + lambda sign(W) + xi) on the monitored weights, with P the
 * activation-sparsity penalty's gradient and the rest from {@link Regularizers}; biases and extra parameters get
 * p <- p - lr (dL/dp + P_p + gamma p), the decay only when {@link Regularizers#decaysBiases()}. The signal is
 * g = -dL/dW.
 */
public final class Sgd implements UpdateRule {
    private final Regularizers regularizers;

    public Sgd(Regularizers regularizers) {
        this.regularizers = regularizers;
    }

    /** SGD with L2 weight decay only. */
    public Sgd(double weightDecay) {
        this(Regularizers.decay(weightDecay));
    }

    public double weightDecay() {
        return regularizers.weightDecay();
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public boolean signalIsNegativeGradient() {
        return true;
    }

    /** SGD keeps no state of its own; the gradient noise's random stream is the only thing to carry. */
    @Override
    public void saveState(Checkpoint into) {
        regularizers.saveState(into);
    }

    @Override
    public void restoreState(Checkpoint from) {
        regularizers.restoreState(from);
    }

    @Override
    public void apply(Model model, StepContext context, List<INDArray> signals) {
        double lr = context.learningRate();
        Gradients grads = context.gradients();
        Gradients penalty = context.penalty();
        for (int l = 0; l < model.layerCount(); l++) {
            INDArray w = model.weight(l);
            INDArray gradW = grads.weight(l);
            if (signals != null) {
                signals.get(l).assign(gradW).negi();
            }
            INDArray d = gradW.dup();
            if (penalty != null) {
                d.addi(penalty.weight(l));
            }
            regularizers.addAll(d, w);
            w.subi(d.muli(lr));
            step(model.bias(l), grads.bias(l), penalty == null ? null : penalty.bias(l), lr);
        }
        for (int i = 0; i < model.extras().size(); i++) {
            step(model.extras().get(i), grads.extra(i), penalty == null ? null : penalty.extra(i), lr);
        }
    }

    private void step(INDArray p, INDArray grad, INDArray penalty, double lr) {
        INDArray d = grad.dup();
        if (penalty != null) {
            d.addi(penalty);
        }
        regularizers.addBiasDecay(d, p);
        p.subi(d.muli(lr));
    }
}
