package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.Checkpoint;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The regularizers every rule adds to its update of the monitored weights W: L2 weight decay gamma W, L1
 * lambda sign(W) (sign 0 at 0), and gradient noise xi ~ N(0, sigma_g^2 I) drawn
 * fresh per weight matrix and step from a private generator. A gradient-based rule adds them to the gradient it
 * consumes (Adam: into its moments, except AdamW's decoupled decay); a local rule (DFA, RandomNN, Hebb, Oja)
 * subtracts learning rate times them from its update, exactly as SGD does. None of them is part of the signal g
 * of SGD or of a local rule.
 * <p>
 * With {@code decayBiases} the L2 decay also acts on every other parameter a rule trains (biases, embeddings,
 * normalization gains and shifts), as PyTorch's {@code weight_decay} does; L1 and gradient noise stay on W.
 */
public final class Regularizers {
    private final double weightDecay;
    private final double l1;
    private final double gradientNoise;
    private final boolean decayBiases;
    private final Random random;

    /** Decay on the monitored weights only (no bias decay). */
    public Regularizers(double weightDecay, double l1, double gradientNoise, long noiseSeed) {
        this(weightDecay, l1, gradientNoise, noiseSeed, false);
    }

    /** @param decayBiases whether the L2 decay also acts on biases and the other trained parameters */
    public Regularizers(double weightDecay, double l1, double gradientNoise, long noiseSeed, boolean decayBiases) {
        check(weightDecay, "weightDecay");
        check(l1, "l1");
        check(gradientNoise, "gradientNoise");
        this.weightDecay = weightDecay;
        this.l1 = l1;
        this.gradientNoise = gradientNoise;
        this.decayBiases = decayBiases;
        this.random = gradientNoise > 0 ? Nd4j.getRandomFactory().getNewRandomInstance(noiseSeed) : null;
    }

    /** Only L2 weight decay, on the monitored weights. */
    public static Regularizers decay(double weightDecay) {
        return new Regularizers(weightDecay, 0, 0, 0);
    }

    /** Only L2 weight decay, on every trained parameter (PyTorch's weight_decay). */
    public static Regularizers decayEverything(double weightDecay) {
        return new Regularizers(weightDecay, 0, 0, 0, true);
    }

    public static Regularizers none() {
        return decay(0);
    }

    private static void check(double v, String name) {
        if (v < 0 || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0: " + v);
        }
    }

    public double weightDecay() { return weightDecay; }

    public double l1() { return l1; }

    public double gradientNoise() { return gradientNoise; }

    public boolean decaysBiases() { return decayBiases; }

    /** {@code direction += gamma W} (skipped when gamma is 0). */
    public void addDecay(INDArray direction, INDArray w) {
        if (weightDecay != 0) {
            direction.addi(w.mul(weightDecay));
        }
    }

    /** {@code direction += gamma p} for a bias or other non-monitored parameter p, when biases decay. */
    public void addBiasDecay(INDArray direction, INDArray p) {
        if (decayBiases && weightDecay != 0) {
            direction.addi(p.mul(weightDecay));
        }
    }

    /** {@code direction += lambda sign(W) + xi}: the coupled terms other than L2. */
    public void addL1AndNoise(INDArray direction, INDArray w) {
        if (l1 != 0) {
            direction.addi(Transforms.sign(w, true).muli(l1));
        }
        if (gradientNoise > 0) {
            INDArray eps = Nd4j.createUninitialized(w.dataType(), w.shape());
            Nd4j.getExecutioner().exec(new GaussianDistribution(eps, 0.0, gradientNoise), random);
            direction.addi(eps);
        }
    }

    /** {@code direction += gamma W + lambda sign(W) + xi}. */
    public void addAll(INDArray direction, INDArray w) {
        addDecay(direction, w);
        addL1AndNoise(direction, w);
    }

    /** Whether any term is active. */
    public boolean active() {
        return weightDecay != 0 || l1 != 0 || gradientNoise != 0;
    }

    /** The gradient noise's random stream, for a checkpoint (nothing without gradient noise). */
    public void saveState(Checkpoint into) {
        if (random != null) {
            into.putRng("gradient-noise", new Checkpoint.RngState(random.rootState(), random.nodeState()));
        }
    }

    /** Puts the gradient noise's random stream where the checkpoint says. */
    public void restoreState(Checkpoint from) {
        if (random != null) {
            Checkpoint.RngState s = from.rng("gradient-noise");
            random.setStates(s.rootState(), s.nodeState());
        }
    }
}
