package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.Checkpoint;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.model.Mlp;
import io.hebbscope.trainer.model.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The paper's RandomNN rule (appendix B.3): a fixed, never-trained tanh MLP (inputs -> 128 -> 128 -> 128 -> 4,
 * init uniform +-1/sqrt(fan_in)) reads the student's batch input; the batch mean z of its 4 outputs times a fixed
 * random projection P_l (4 x numel(W_l), entries N(0, 1), unique to each monitored W_l) reshaped to W_l's shape is
 * the low-rank random signal G_l. The step s = lr G_l is clipped to Frobenius norm {@code clip}; its sign is
 * chosen so that |W + s| is nearer the target norm tau_l than |W - s| (ties: +). The signal is g = +-s / lr.
 * Biases and extras stay unchanged.
 * <p>
 * The target tau_l is {@code tau} itself, or, when {@code tau} is relative, {@code tau} times W_l's norm at
 * {@link #init} (the paper gives no value; a fixed absolute norm below the initial norm makes the rule shrink W,
 * so decay never becomes the balancing force).
 */
public final class RandomNn extends LocalRule {
    public static final List<Integer> HIDDEN = List.of(128, 128, 128);
    public static final int OUTPUTS = 4;

    private final double tau;
    private final boolean tauRelative;
    private final List<Double> targets = new ArrayList<>();
    private final double clip;
    private final long seed;
    private Mlp net;
    private final List<INDArray> projections = new ArrayList<>();

    /** An absolute target norm {@code tau}. */
    public RandomNn(Regularizers regularizers, double tau, double clip, long seed) {
        this(regularizers, tau, false, clip, seed);
    }

    /** @param tauRelative whether {@code tau} multiplies each weight matrix's initial norm */
    public RandomNn(Regularizers regularizers, double tau, boolean tauRelative, double clip, long seed) {
        super(regularizers);
        if (!(tau > 0) || !Double.isFinite(tau)) {
            throw new IllegalArgumentException("tau must be > 0: " + tau);
        }
        if (!(clip > 0)) {
            throw new IllegalArgumentException("clip must be > 0: " + clip);
        }
        this.tau = tau;
        this.tauRelative = tauRelative;
        this.clip = clip;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "randomnn";
    }

    @Override
    @SuppressWarnings("try")
    public void init(Model model) {
        if (net != null) {
            return;
        }
        List<Integer> widths = new ArrayList<>();
        widths.add(model.inputWidth());
        widths.addAll(HIDDEN);
        widths.add(OUTPUTS);
        SplittableRandom random = new SplittableRandom(seed);
        net = Mlp.create(widths, Activation.TANH, 1.0, random.nextLong(), model.dataType());
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (INDArray w : model.weights()) {
                targets.add(tauRelative ? tau * w.norm2Number().doubleValue() : tau);
                double[] v = new double[OUTPUTS * (int) w.length()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = random.nextGaussian();
                }
                projections.add(Nd4j.create(v, new long[] {OUTPUTS, w.length()}, model.dataType()));
            }
        }
    }

    /**
     * The target norms (taken from the initial weights when tau is relative, so not a function of the seed alone once
     * training has moved the weights); the network and projections are rebuilt from the seed.
     */
    @Override
    public void saveState(Checkpoint into) {
        for (int l = 0; l < targets.size(); l++) {
            into.putScalar("randomnn.target." + l, targets.get(l));
        }
        super.saveState(into);
    }

    @Override
    public void restoreState(Checkpoint from) {
        if (net == null) {
            throw new IllegalStateException("RandomNn.init was not called before restoring its state");
        }
        for (int l = 0; l < targets.size(); l++) {
            targets.set(l, from.scalar("randomnn.target." + l));
        }
        super.restoreState(from);
    }

    /** The target norm of each monitored weight matrix (known after {@link #init}). */
    public List<Double> targets() {
        return List.copyOf(targets);
    }

    /** The fixed random network. */
    public Mlp network() {
        return net;
    }

    /** The fixed projections P_l, 4 x numel(W_l). */
    public List<INDArray> projections() {
        return projections;
    }

    @Override
    protected void signals(Model model, StepContext context, INDArray[] weightSignals, INDArray[] biasSignals) {
        if (net == null) {
            throw new IllegalStateException("RandomNn.init was not called");
        }
        double lr = context.learningRate();
        INDArray z = net.predict(context.input()).mean(0).reshape(1, OUTPUTS);
        for (int l = 0; l < model.layerCount(); l++) {
            INDArray w = model.weight(l);
            INDArray step = z.mmul(projections.get(l)).reshape(w.shape()).muli(lr);
            double norm = step.norm2Number().doubleValue();
            if (norm > clip) {
                step.muli(clip / norm);
            }
            double target = targets.get(l);
            double plus = Math.abs(w.add(step).norm2Number().doubleValue() - target);
            double minus = Math.abs(w.sub(step).norm2Number().doubleValue() - target);
            weightSignals[l] = step.divi(plus <= minus ? lr : -lr);
        }
    }
}
