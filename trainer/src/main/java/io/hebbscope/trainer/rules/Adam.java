package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.Checkpoint;
import io.hebbscope.trainer.model.Gradients;
import io.hebbscope.trainer.model.Model;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam (PyTorch's {@code torch.optim.Adam}/{@code AdamW} arithmetic) on every parameter. Per parameter p with
 * consumed gradient d, at step t = 1, 2, ...:
 * <pre>
 *   m = beta1 m + (1 - beta1) d,  v = beta2 v + (1 - beta2) d^2,
 *   dir = (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 * For a monitored W, d = dL/dW + P_W + lambda sign(W) + xi, plus gamma W when the decay is <em>coupled</em>
 * ("adam": L2 inside the gradient, as PyTorch's {@code Adam(weight_decay)}). Then W <- W - lr dir, and with
 * <em>decoupled</em> decay ("adamw") W <- W - lr (dir + gamma W). Biases and extras consume dL/dp + P_p, plus the
 * same decay gamma p (coupled or decoupled) when {@link Regularizers#decaysBiases()} (PyTorch decays every
 * parameter); L1 and gradient noise act on W only.
 * <p>
 * Signal: the learning signal excludes the regularizers, so Adam keeps, beside m, a first moment of the task-loss
 * gradient alone, {@code mg = beta1 mg + (1 - beta1) dL/dW} (the first moment is linear in d, so m = mg + the
 * moment of the regularizer terms), and publishes
 * <pre>
 *   g = -(mg / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 * with the same denominator as the step. For AdamW without L1, gradient noise or sparsity penalty g = -dir. For
 * coupled Adam, g is Adam's step of the loss gradient alone, and the rule's whole step, decay included, is U / lr.
 */
public final class Adam implements UpdateRule {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final boolean decoupled;
    private final Regularizers regularizers;
    private final List<INDArray> m = new ArrayList<>();
    private final List<INDArray> v = new ArrayList<>();
    private final List<INDArray> mLoss = new ArrayList<>();
    private long t;

    public Adam(double beta1, double beta2, double epsilon, boolean decoupled, Regularizers regularizers) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adam betas must be in [0, 1): " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("adamEpsilon must be > 0: " + epsilon);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.decoupled = decoupled;
        this.regularizers = regularizers;
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    public boolean signalIsNegativeGradient() {
        return false;
    }

    private static List<INDArray> params(Model model) {
        List<INDArray> all = new ArrayList<>(model.weights());
        all.addAll(model.biases());
        all.addAll(model.extras());
        return all;
    }

    @Override
    @SuppressWarnings("try")
    public void init(Model model) {
        if (!m.isEmpty()) {
            return;
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (INDArray p : params(model)) {
                m.add(Nd4j.zeros(p.dataType(), p.shape()));
                v.add(Nd4j.zeros(p.dataType(), p.shape()));
            }
            for (INDArray w : model.weights()) {
                mLoss.add(Nd4j.zeros(w.dataType(), w.shape()));
            }
        }
    }

    /** Adam's step count t, so far. */
    public long steps() {
        return t;
    }

    /**
     * The moments m and v of every parameter (weights, biases, extras in that order), the loss-only first moment of
     * every weight, the step count t, and the gradient noise's random stream.
     */
    @Override
    public void saveState(Checkpoint into) {
        String n = name();
        for (int i = 0; i < m.size(); i++) {
            into.putOptimizer(n + ".m." + i, m.get(i));
            into.putOptimizer(n + ".v." + i, v.get(i));
        }
        for (int i = 0; i < mLoss.size(); i++) {
            into.putOptimizer(n + ".mLoss." + i, mLoss.get(i));
        }
        into.putScalar(n + ".t", t);
        regularizers.saveState(into);
    }

    @Override
    public void restoreState(Checkpoint from) {
        if (m.isEmpty()) {
            throw new IllegalStateException("Adam.init was not called before restoring its state");
        }
        String n = name();
        for (int i = 0; i < m.size(); i++) {
            from.restoreOptimizer(n + ".m." + i, m.get(i));
            from.restoreOptimizer(n + ".v." + i, v.get(i));
        }
        for (int i = 0; i < mLoss.size(); i++) {
            from.restoreOptimizer(n + ".mLoss." + i, mLoss.get(i));
        }
        t = (long) from.scalar(n + ".t");
        regularizers.restoreState(from);
    }

    @Override
    public void apply(Model model, StepContext context, List<INDArray> signals) {
        if (m.isEmpty()) {
            init(model);
        }
        t++;
        double lr = context.learningRate();
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        Gradients grads = context.gradients();
        Gradients penalty = context.penalty();
        int layers = model.layerCount();
        int biasEnd = 2 * layers;
        List<INDArray> params = params(model);
        for (int i = 0; i < params.size(); i++) {
            INDArray p = params.get(i);
            boolean isWeight = i < layers;
            INDArray d;
            if (isWeight) {
                d = grads.weight(i).dup();
                if (penalty != null) {
                    d.addi(penalty.weight(i));
                }
                if (!decoupled) {
                    regularizers.addDecay(d, p);
                }
                regularizers.addL1AndNoise(d, p);
            } else if (i < biasEnd) {
                d = grads.bias(i - layers).dup();
                if (penalty != null) {
                    d.addi(penalty.bias(i - layers));
                }
                if (!decoupled) {
                    regularizers.addBiasDecay(d, p);
                }
            } else {
                d = grads.extra(i - biasEnd).dup();
                if (penalty != null) {
                    d.addi(penalty.extra(i - biasEnd));
                }
                if (!decoupled) {
                    regularizers.addBiasDecay(d, p);
                }
            }
            INDArray mi = m.get(i);
            INDArray vi = v.get(i);
            mi.muli(beta1).addi(d.mul(1 - beta1));
            vi.muli(beta2).addi(d.muli(d).muli(1 - beta2));
            INDArray denom = Transforms.sqrt(vi.div(bc2), false).addi(epsilon);
            INDArray dir = mi.div(bc1).divi(denom);
            if (isWeight) {
                INDArray mg = mLoss.get(i);
                mg.muli(beta1).addi(grads.weight(i).mul(1 - beta1));
                if (signals != null) {
                    signals.get(i).assign(mg).divi(-bc1).divi(denom);
                }
            }
            if (decoupled) {
                if (isWeight) {
                    regularizers.addDecay(dir, p);
                } else {
                    regularizers.addBiasDecay(dir, p);
                }
            }
            p.subi(dir.muli(lr));
        }
    }
}
