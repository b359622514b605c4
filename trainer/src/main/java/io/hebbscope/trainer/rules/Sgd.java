package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.model.Mlp;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain SGD with L2 weight decay on the weight matrices: W <- W - lr (dL/dW + gamma W). Biases get plain SGD,
 * b <- b - lr dL/db, with no decay (the paper's analysis concerns W, and decaying biases is not standard).
 * The signal is g = -dL/dW.
 */
public final class Sgd implements UpdateRule {
    private final double weightDecay;

    public Sgd(double weightDecay) {
        if (weightDecay < 0 || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be finite and >= 0: " + weightDecay);
        }
        this.weightDecay = weightDecay;
    }

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public boolean signalIsNegativeGradient() {
        return true;
    }

    @Override
    public void apply(Mlp model, StepContext context, List<INDArray> signals) {
        double lr = context.learningRate();
        for (int l = 0; l < model.layerCount(); l++) {
            INDArray w = model.weight(l);
            INDArray gradW = context.gradients().weight(l);
            if (signals != null) {
                signals.get(l).assign(gradW).negi();
            }
            // W - lr (grad + gamma W) = (1 - lr gamma) W - lr grad, in place without temporaries.
            if (weightDecay != 0.0) {
                w.muli(1.0 - lr * weightDecay);
            }
            Nd4j.getBlasWrapper().level1().axpy(w.length(), -lr, gradW, w);
            INDArray b = model.bias(l);
            Nd4j.getBlasWrapper().level1().axpy(b.length(), -lr, context.gradients().bias(l), b);
        }
    }
}
