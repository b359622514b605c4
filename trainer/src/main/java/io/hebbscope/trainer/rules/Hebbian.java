package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.model.Broadcast;
import io.hebbscope.trainer.model.Model;
import io.hebbscope.trainer.probe.Probe;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Weight-normalized Hebbian learning on every monitored map: W' = N(W + lr H) with H = (1/rows) h^T a the step's
 * Hebbian term and N rescaling each row (neuron) back to the norm it had before the step (a row of zero norm
 * before, or after the Hebbian step, is left as W + lr H). The signal is the resulting change per unit learning
 * rate, g = (N(W + lr H) - W) / lr, which for small lr is H minus its component along each row. Biases and
 * extras stay unchanged.
 */
public final class Hebbian extends LocalRule {

    public Hebbian(Regularizers regularizers) {
        super(regularizers);
    }

    @Override
    public String name() {
        return "hebb";
    }

    @Override
    protected void signals(Model model, StepContext context, INDArray[] weightSignals, INDArray[] biasSignals) {
        double lr = context.learningRate();
        for (int l = 0; l < model.layerCount(); l++) {
            INDArray w = model.weight(l);
            INDArray h = Probe.hebbian(context.forward().preActivations().get(l), context.forward().inputs().get(l));
            INDArray stepped = w.add(h.mul(lr));
            INDArray before = w.norm2(1);
            INDArray after = stepped.norm2(1);
            // ratio = |w_i| / |w_i + lr H_i|, 1 where either norm is zero.
            INDArray ratio = before.div(Transforms.max(after, Double.MIN_NORMAL, true));
            for (long i = 0; i < ratio.length(); i++) {
                if (before.getDouble(i) == 0.0 || after.getDouble(i) == 0.0) {
                    ratio.putScalar(i, 1.0);
                }
            }
            weightSignals[l] = Broadcast.muliColumn(stepped, ratio).subi(w).divi(lr);
        }
    }
}
