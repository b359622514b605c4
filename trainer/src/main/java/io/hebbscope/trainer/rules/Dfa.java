package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.model.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Direct Feedback Alignment (Nøkland 2016). The output error e = dL/d(output) (B x K, the loss's batch mean
 * included) reaches every monitored map l but the last through its own fixed random matrix B_l (K x out_l,
 * entries uniform in +-1/sqrt(K), drawn once from the seed): the feedback e B_l stands in for the gradient with
 * respect to the map's block output, and the model turns it into a delta through that block's own nonlinearity
 * only ({@link Model#localDelta}): delta_l = (e B_l) * f'(h_l) for an MLP hidden layer (through batch norm too
 * when present). Then g_W = -delta_l^T a_l and g_b = -sum delta_l. The last map uses its true gradient.
 * <p>
 * <b>Transformer.</b> A map acting on tokens (B*T rows) receives each example's feedback on every one of its T
 * tokens, divided by T (the mean pooling's factor in the true gradient): delta = broadcast(e B_l) / T, times ReLU'
 * for the feed-forward's first map and unchanged for q, k, v, o and ff2 (attention, the residual stream and
 * LayerNorm are shared paths, not a map's own nonlinearity). Embeddings and LayerNorm parameters are not trained
 * under DFA (no feedback reaches them); the head behaves as an MLP.
 */
public final class Dfa extends LocalRule {
    private final long seed;
    private final List<INDArray> feedback = new ArrayList<>();

    public Dfa(Regularizers regularizers, long seed) {
        super(regularizers);
        this.seed = seed;
    }

    @Override
    public String name() {
        return "dfa";
    }

    @Override
    @SuppressWarnings("try")
    public void init(Model model) {
        if (!feedback.isEmpty()) {
            return;
        }
        SplittableRandom random = new SplittableRandom(seed);
        int k = model.outputWidth();
        double bound = 1.0 / Math.sqrt(k);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int l = 0; l + 1 < model.layerCount(); l++) {
                int out = model.weight(l).rows();
                double[] v = new double[k * out];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (2 * random.nextDouble() - 1) * bound;
                }
                feedback.add(Nd4j.create(v, new long[] {k, out}, model.dataType()));
            }
        }
    }

    /** The fixed feedback matrices B_l, K x out_l, for every map but the last. */
    public List<INDArray> feedback() {
        return feedback;
    }

    @Override
    protected void signals(Model model, StepContext context, INDArray[] weightSignals, INDArray[] biasSignals) {
        if (feedback.isEmpty() && model.layerCount() > 1) {
            throw new IllegalStateException("Dfa.init was not called");
        }
        int last = model.layerCount() - 1;
        INDArray e = context.outputGradient();
        long batch = e.size(0);
        for (int l = 0; l < last; l++) {
            INDArray fb = e.mmul(feedback.get(l)); // B x out
            INDArray a = context.forward().inputs().get(l);
            long rows = a.size(0);
            if (rows != batch) {
                long tokens = rows / batch;
                fb = Nd4j.zeros(fb.dataType(), batch, tokens, fb.columns()).addi(fb.reshape(batch, 1, fb.columns()))
                        .divi(tokens).reshape(rows, fb.columns());
            }
            INDArray delta = model.localDelta(context.forward(), l, fb);
            INDArray g = Nd4j.createUninitialized(a.dataType(), delta.columns(), a.columns());
            Nd4j.gemm(delta, a, g, true, false, -1.0, 0.0);
            weightSignals[l] = g;
            biasSignals[l] = delta.sum(0).negi();
        }
        weightSignals[last] = context.gradients().weight(last).neg();
        biasSignals[last] = context.gradients().bias(last).neg();
    }
}
