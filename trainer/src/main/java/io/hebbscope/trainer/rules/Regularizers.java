package io.hebbscope.trainer.rules;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The regularizers every rule adds to its update of the monitored weights W (biases and extra parameters get
 * none): L2 weight decay gamma W, L1 lambda sign(W) (sign 0 at 0), and gradient noise xi ~ N(0, sigma_g^2 I) drawn
 * fresh per weight matrix and step from a private generator. A gradient-based rule adds them to the gradient it
 * consumes (Adam: into its moments, except AdamW's decoupled decay); a local rule (DFA, RandomNN, Hebb, Oja)
 * subtracts learning rate times them from its update, exactly as SGD does. None of them is part of the signal g
 * of SGD or of a local rule.
 */
public final class Regularizers {
    private final double weightDecay;
    private final double l1;
    private final double gradientNoise;
    private final Random random;

    public Regularizers(double weightDecay, double l1, double gradientNoise, long noiseSeed) {
        check(weightDecay, "weightDecay");
        check(l1, "l1");
        check(gradientNoise, "gradientNoise");
        this.weightDecay = weightDecay;
        this.l1 = l1;
        this.gradientNoise = gradientNoise;
        this.random = gradientNoise > 0 ? Nd4j.getRandomFactory().getNewRandomInstance(noiseSeed) : null;
    }

    /** Only L2 weight decay. */
    public static Regularizers decay(double weightDecay) {
        return new Regularizers(weightDecay, 0, 0, 0);
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

    /** {@code direction += gamma W} (skipped when gamma is 0). */
    public void addDecay(INDArray direction, INDArray w) {
        if (weightDecay != 0) {
            direction.addi(w.mul(weightDecay));
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
}
