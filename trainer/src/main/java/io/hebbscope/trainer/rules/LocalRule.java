package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.Checkpoint;
import io.hebbscope.trainer.model.Gradients;
import io.hebbscope.trainer.model.Model;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Base of the rules that make their own learning signal instead of following the gradient (DFA, RandomNN,
 * Hebbian, Oja). A subclass fills g for every monitored W and optionally for its bias; then, for each map,
 * <pre>
 *   W <- W + lr g_W - lr (gamma W + lambda sign(W) + xi + P_W)        (regularizers as in SGD, W before the step)
 *   b <- b + lr g_b - lr (P_b + gamma b)                              (only when the rule gives g_b)
 * </pre>
 * The bias decay gamma b applies when {@link Regularizers#decaysBiases()}. Extra parameters (embeddings,
 * normalization gains and shifts) and biases without a g are left unchanged, decay included: none of these rules
 * defines a signal for them, and PyTorch's optimizers skip a parameter without a gradient.
 */
public abstract class LocalRule implements UpdateRule {
    protected final Regularizers regularizers;

    protected LocalRule(Regularizers regularizers) {
        this.regularizers = regularizers;
    }

    @Override
    public final boolean signalIsNegativeGradient() {
        return false;
    }

    /**
     * Computes the signals of this step (new arrays, workspace scratch).
     *
     * @param weightSignals one slot per map, to fill with g_W (W's shape)
     * @param biasSignals   one slot per map, to fill with g_b or leave null (bias unchanged)
     */
    protected abstract void signals(Model model, StepContext context, INDArray[] weightSignals,
                                    INDArray[] biasSignals);

    /**
     * The gradient noise's random stream; a subclass with state of its own adds it (calling this). DFA's feedback
     * matrices are a function of its seed and need nothing here.
     */
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
        int n = model.layerCount();
        INDArray[] gw = new INDArray[n];
        INDArray[] gb = new INDArray[n];
        signals(model, context, gw, gb);
        double lr = context.learningRate();
        Gradients penalty = context.penalty();
        for (int l = 0; l < n; l++) {
            INDArray w = model.weight(l);
            if (signals != null) {
                signals.get(l).assign(gw[l]);
            }
            INDArray reg = Nd4j.zeros(w.dataType(), w.shape());
            if (penalty != null) {
                reg.addi(penalty.weight(l));
            }
            regularizers.addAll(reg, w);
            w.addi(gw[l].mul(lr)).subi(reg.muli(lr));
            if (gb[l] != null) {
                INDArray b = model.bias(l);
                INDArray breg = penalty != null ? penalty.bias(l).dup() : Nd4j.zeros(b.dataType(), b.shape());
                regularizers.addBiasDecay(breg, b);
                b.addi(gb[l].mul(lr)).subi(breg.muli(lr));
            }
        }
    }
}
