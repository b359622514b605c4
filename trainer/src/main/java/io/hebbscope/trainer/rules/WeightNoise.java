package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.Checkpoint;
import io.hebbscope.trainer.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The paper's injected weight noise (Eq. 14): before each step's forward pass, W <- W + sigma eps with
 * eps ~ N(0, I) on every monitored weight matrix, so the step's gradient is taken at the noisy weights and the
 * noise stays in W_{t+1}. Biases and extra parameters (embeddings, norms) get no noise. The draws come from a
 * private native generator seeded once, so a run is reproducible.
 */
public final class WeightNoise {
    private final double sigma;
    private final Random random;

    public WeightNoise(double sigma, long seed) {
        if (sigma < 0 || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("noise sigma must be finite and >= 0: " + sigma);
        }
        this.sigma = sigma;
        this.random = sigma > 0 ? Nd4j.getRandomFactory().getNewRandomInstance(seed) : null;
    }

    /** No noise at all. */
    public static WeightNoise none() {
        return new WeightNoise(0.0, 0L);
    }

    public double sigma() {
        return sigma;
    }

    public boolean active() {
        return sigma > 0;
    }

    /** Adds sigma eps to every monitored weight matrix in place; the draw is scratch in the current workspace. */
    public void perturb(Model model) {
        if (!active()) {
            return;
        }
        for (INDArray w : model.weights()) {
            INDArray eps = Nd4j.createUninitialized(w.dataType(), w.shape());
            Nd4j.getExecutioner().exec(new GaussianDistribution(eps, 0.0, sigma), random);
            w.addi(eps);
        }
    }

    /** The noise's random stream, for a checkpoint (nothing without noise). */
    public void saveState(Checkpoint into) {
        if (random != null) {
            into.putRng("weight-noise", new Checkpoint.RngState(random.rootState(), random.nodeState()));
        }
    }

    /** Puts the noise's random stream where the checkpoint says. */
    public void restoreState(Checkpoint from) {
        if (random != null) {
            Checkpoint.RngState s = from.rng("weight-noise");
            random.setStates(s.rootState(), s.nodeState());
        }
    }
}
