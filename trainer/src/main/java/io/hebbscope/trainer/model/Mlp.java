package io.hebbscope.trainer.model;

import io.hebbscope.trainer.LayerInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A multilayer perceptron of linear maps h_l = a_l W_l^T + b_l (W_l out x in, b_l out), each monitored. Every
 * hidden block l computes
 * <pre>
 *   z_l = BN(h_l)            (optional batch norm: batch statistics in training, running ones in evaluation)
 *   f_l = act(z_l)
 *   a_{l+1} = f_l + a_l      (optional residual, only where the block's input and output widths are equal)
 *           = f_l            (otherwise)
 * </pre>
 * and the output h_{L-1} is linear. Batch norm follows PyTorch's BatchNorm1d: eps 1e-5, momentum 0.1, biased
 * variance for normalizing and unbiased for the running variance; its gain and shift (init 1 and 0) are the
 * model's {@link #extras()}: gamma_0, beta_0, gamma_1, beta_1, ... The activation-sparsity penalty acts on the f_l.
 * Parameters live outside any workspace (they outlive the step); scratch goes to the caller's current workspace.
 */
public final class Mlp implements Model {
    static final double BN_EPS = 1e-5;
    static final double BN_MOMENTUM = 0.1;

    private final int[] widths;
    private final Activation activation;
    private final boolean residual;
    private final boolean batchNorm;
    private final DataType dtype;
    private final List<INDArray> weights;
    private final List<INDArray> biases;
    private final List<INDArray> extras;
    private final List<INDArray> runningMeans;
    private final List<INDArray> runningVars;
    private final List<LayerInfo> layers;

    private Mlp(int[] widths, Activation activation, boolean residual, boolean batchNorm, DataType dtype,
                List<INDArray> weights, List<INDArray> biases, String prefix, int firstIndex) {
        this.widths = widths.clone();
        this.activation = activation;
        this.residual = residual;
        this.batchNorm = batchNorm;
        this.dtype = dtype;
        this.weights = List.copyOf(weights);
        this.biases = List.copyOf(biases);
        List<INDArray> ex = new ArrayList<>();
        List<INDArray> means = new ArrayList<>();
        List<INDArray> vars = new ArrayList<>();
        if (batchNorm) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                for (int l = 0; l + 1 < weights.size(); l++) {
                    int out = widths[l + 1];
                    ex.add(Nd4j.ones(dtype, out));
                    ex.add(Nd4j.zeros(dtype, out));
                    means.add(Nd4j.zeros(dtype, out));
                    vars.add(Nd4j.ones(dtype, out));
                }
            }
        }
        this.extras = List.copyOf(ex);
        this.runningMeans = List.copyOf(means);
        this.runningVars = List.copyOf(vars);
        List<LayerInfo> infos = new ArrayList<>();
        for (int l = 0; l < weights.size(); l++) {
            infos.add(new LayerInfo(prefix + "layer" + l, firstIndex + l, widths[l + 1], widths[l]));
        }
        this.layers = List.copyOf(infos);
    }

    /** A plain MLP (no residual, no batch norm); see {@link #create(List, Activation, boolean, boolean, double, long, DataType, String, int)}. */
    public static Mlp create(List<Integer> widths, Activation activation, double initScale, long seed,
                             DataType dtype) {
        return create(widths, activation, false, false, initScale, seed, dtype, "", 0);
    }

    /**
     * A freshly initialised MLP. W and b of map l are uniform in +-initScale/sqrt(fan_in) (PyTorch's nn.Linear
     * default when the scale is 1), drawn in forward order, W row-major then b, from {@code seed}; the draws are
     * made in double precision and rounded to {@code dtype}, so FLOAT and DOUBLE nets with one seed start equal.
     *
     * @param prefix     prepended to the monitored maps' names "layer0", "layer1", ... (e.g. "head.")
     * @param firstIndex index of the first map in {@link LayerInfo#index()} (when part of a bigger model)
     */
    @SuppressWarnings("try") // the scope only redirects allocations
    public static Mlp create(List<Integer> widths, Activation activation, boolean residual, boolean batchNorm,
                             double initScale, long seed, DataType dtype, String prefix, int firstIndex) {
        int[] w = widths.stream().mapToInt(Integer::intValue).toArray();
        if (w.length < 2) {
            throw new IllegalArgumentException("an MLP needs at least input and output widths: " + widths);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<INDArray> ws = new ArrayList<>();
        List<INDArray> bs = new ArrayList<>();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int l = 0; l + 1 < w.length; l++) {
                int in = w[l];
                int out = w[l + 1];
                double bound = initScale / Math.sqrt(in);
                ws.add(Nd4j.create(uniform(random, out * in, bound), new long[] {out, in}, dtype));
                bs.add(Nd4j.create(uniform(random, out, bound), new long[] {out}, dtype));
            }
        }
        return new Mlp(w, activation, residual, batchNorm, dtype, ws, bs, prefix, firstIndex);
    }

    /** A plain MLP with the given parameters, copied outside any workspace (tests and hand-built nets). */
    public static Mlp of(List<INDArray> weights, List<INDArray> biases, Activation activation) {
        return of(weights, biases, activation, false, false);
    }

    /** An MLP with the given parameters (copied) and architecture options. */
    @SuppressWarnings("try")
    public static Mlp of(List<INDArray> weights, List<INDArray> biases, Activation activation, boolean residual,
                         boolean batchNorm) {
        if (weights.isEmpty() || weights.size() != biases.size()) {
            throw new IllegalArgumentException("need one bias per weight matrix");
        }
        int[] w = new int[weights.size() + 1];
        w[0] = weights.get(0).columns();
        List<INDArray> ws = new ArrayList<>();
        List<INDArray> bs = new ArrayList<>();
        DataType dtype = weights.get(0).dataType();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int l = 0; l < weights.size(); l++) {
                INDArray wl = weights.get(l);
                if (wl.rank() != 2 || wl.columns() != w[l] || biases.get(l).length() != wl.rows()) {
                    throw new IllegalArgumentException("layer " + l + " shapes do not chain");
                }
                w[l + 1] = wl.rows();
                ws.add(wl.castTo(dtype).dup('c'));
                bs.add(biases.get(l).castTo(dtype).reshape(wl.rows()).dup('c'));
            }
        }
        return new Mlp(w, activation, residual, batchNorm, dtype, ws, bs, "", 0);
    }

    static double[] uniform(SplittableRandom random, int n, double bound) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (2.0 * random.nextDouble() - 1.0) * bound;
        }
        return v;
    }

    @Override public String kind() { return "mlp"; }

    @Override public int layerCount() { return weights.size(); }

    /** Widths from input to output, e.g. [32, 128, 128, 32]. */
    public int[] widths() { return widths.clone(); }

    @Override public int inputWidth() { return widths[0]; }

    @Override public int outputWidth() { return widths[widths.length - 1]; }

    public Activation activation() { return activation; }

    public boolean residual() { return residual; }

    public boolean batchNorm() { return batchNorm; }

    @Override public DataType dataType() { return dtype; }

    @Override public List<LayerInfo> layers() { return layers; }

    @Override public INDArray weight(int layer) { return weights.get(layer); }

    @Override public INDArray bias(int layer) { return biases.get(layer); }

    @Override public List<INDArray> weights() { return weights; }

    @Override public List<INDArray> biases() { return biases; }

    @Override public List<INDArray> extras() { return extras; }

    /** The running means, then the running variances, of the hidden blocks' batch norms (live; empty without). */
    @Override
    public List<INDArray> buffers() {
        List<INDArray> all = new ArrayList<>(runningMeans);
        all.addAll(runningVars);
        return all;
    }

    /** Batch-norm running means of the hidden blocks (live; empty without batch norm). */
    public List<INDArray> runningMeans() { return runningMeans; }

    /** Batch-norm running variances of the hidden blocks (live; empty without batch norm). */
    public List<INDArray> runningVars() { return runningVars; }

    private boolean skip(int l) {
        return residual && widths[l] == widths[l + 1];
    }

    /** Per hidden block: z (after batch norm), f = act(z), and batch norm's xhat and 1/sqrt(var + eps). */
    private record Cache(List<INDArray> z, List<INDArray> f, List<INDArray> xhat, List<INDArray> invStd,
                         boolean training) {}

    @Override
    public Forward forward(INDArray x, boolean training) {
        long batch = x.size(0);
        int n = weights.size();
        List<INDArray> inputs = new ArrayList<>(n);
        List<INDArray> pre = new ArrayList<>(n);
        List<INDArray> zs = new ArrayList<>(n);
        List<INDArray> fs = new ArrayList<>(n);
        List<INDArray> xhats = new ArrayList<>(n);
        List<INDArray> invStds = new ArrayList<>(n);
        INDArray a = x.dataType() == dtype ? x : x.castTo(dtype);
        for (int l = 0; l < n; l++) {
            INDArray w = weights.get(l);
            INDArray h = Nd4j.createUninitialized(dtype, batch, w.rows());
            Nd4j.gemm(a, w, h, false, true, 1.0, 0.0); // h = a W^T
            Broadcast.addiRow(h, biases.get(l));
            inputs.add(a);
            pre.add(h);
            if (l + 1 < n) {
                INDArray z = h;
                if (batchNorm) {
                    INDArray mean;
                    INDArray var;
                    if (training) {
                        mean = h.mean(0);
                        var = h.var(false, 0);
                        double unbias = batch > 1 ? (double) batch / (batch - 1) : 1.0;
                        runningMeans.get(l).muli(1 - BN_MOMENTUM).addi(mean.mul(BN_MOMENTUM));
                        runningVars.get(l).muli(1 - BN_MOMENTUM).addi(var.mul(BN_MOMENTUM * unbias));
                    } else {
                        mean = runningMeans.get(l);
                        var = runningVars.get(l);
                    }
                    INDArray invStd = Transforms.pow(var.add(BN_EPS), -0.5, false);
                    INDArray xhat = Broadcast.muliRow(Broadcast.subRow(h, mean), invStd);
                    z = Broadcast.addiRow(Broadcast.mulRow(xhat, extras.get(2 * l)), extras.get(2 * l + 1));
                    xhats.add(xhat);
                    invStds.add(invStd);
                }
                INDArray f = activation.apply(z);
                zs.add(z);
                fs.add(f);
                a = skip(l) ? f.add(a) : f;
            }
        }
        return new Forward(inputs, pre, pre.get(n - 1), new Cache(zs, fs, xhats, invStds, training));
    }

    @Override
    public void backward(Forward forward, INDArray outputGradient, double activationSparsity, Gradients into) {
        backward(forward, outputGradient, activationSparsity, into, false);
    }

    /**
     * Backpropagates like {@link #backward(Forward, INDArray, double, Gradients)}; when {@code inputGradient}
     * is true also returns dL/dx (B x in), else null.
     */
    public INDArray backward(Forward forward, INDArray outputGradient, double activationSparsity, Gradients into,
                             boolean inputGradient) {
        Cache cache = (Cache) forward.cache();
        INDArray delta = outputGradient; // dL/dh_l
        INDArray carry = null;           // the skip path's part of dL/da_l
        for (int l = weights.size() - 1; l >= 0; l--) {
            Nd4j.gemm(delta, forward.inputs().get(l), into.weight(l), true, false, 1.0, 0.0);
            delta.sum(into.bias(l), 0);
            if (l == 0 && !inputGradient) {
                return null;
            }
            INDArray w = weights.get(l);
            INDArray da = Nd4j.createUninitialized(dtype, delta.size(0), w.columns());
            Nd4j.gemm(delta, w, da, false, false, 1.0, 0.0); // dL/da_l through the map
            if (carry != null) {
                da.addi(carry);
            }
            if (l == 0) {
                return da;
            }
            // a_l is the output of hidden block k = l - 1: f_k (+ a_k with a skip connection).
            int k = l - 1;
            INDArray df = skip(k) ? da.dup() : da;
            if (activationSparsity > 0) {
                INDArray f = cache.f().get(k);
                df.addi(Transforms.sign(f, true).muli(activationSparsity / f.length()));
            }
            delta = blockBackward(cache, k, df, into);
            carry = skip(k) ? da : null;
        }
        return null;
    }

    /** dL/dh_k from dL/df_k through the activation and batch norm of block k; writes gamma/beta grads if into != null. */
    private INDArray blockBackward(Cache cache, int k, INDArray df, Gradients into) {
        INDArray dz = df.mul(activation.derivative(cache.z().get(k), cache.f().get(k)));
        if (!batchNorm) {
            return dz;
        }
        INDArray xhat = cache.xhat().get(k);
        INDArray invStd = cache.invStd().get(k);
        INDArray gamma = extras.get(2 * k);
        if (into != null) {
            dz.mul(xhat).sum(into.extra(2 * k), 0);
            dz.sum(into.extra(2 * k + 1), 0);
        }
        INDArray dxhat = Broadcast.mulRow(dz, gamma);
        if (!cache.training()) {
            return Broadcast.muliRow(dxhat, invStd);
        }
        long n = dz.size(0);
        INDArray sumDxhat = dxhat.sum(0);
        INDArray sumDxhatXhat = dxhat.mul(xhat).sum(0);
        // dh = invStd / N * (N dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))
        INDArray centred = Broadcast.subiRow(dxhat.muli(n), sumDxhat).subi(Broadcast.mulRow(xhat, sumDxhatXhat));
        return Broadcast.muliRow(centred, invStd.div(n));
    }

    @Override
    public INDArray localDelta(Forward forward, int layer, INDArray upstream) {
        if (layer == weights.size() - 1) {
            return upstream.dup();
        }
        return blockBackward((Cache) forward.cache(), layer, upstream, null);
    }
}
