package io.hebbscope.trainer.model;

import io.hebbscope.trainer.LayerInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The paper's transformer regressor: token embeddings (vocabulary V, width D), a stack of post-norm encoder layers
 * as in PyTorch's {@code nn.TransformerEncoderLayer} (multi-head self-attention with H heads, then a ReLU
 * feed-forward of width F, each with a residual connection followed by LayerNorm, eps 1e-5; no dropout, no
 * positional encoding, no mask), the mean over the T output token embeddings, and an {@link Mlp} head on it.
 * <p>
 * Monitored linear maps, forward order: per encoder layer e, {@code enc<e>.q}, {@code .k}, {@code .v} (D x D
 * each: PyTorch's packed in_proj split in three), {@code .o} (the attention output projection), {@code .ff1}
 * (F x D) and {@code .ff2} (D x F); then the head's {@code head.layer0}, {@code head.layer1}, ... Encoder maps act
 * on every token: their a and h have B*T rows (example-major), so the Hebbian term averages over batch and
 * tokens. Other trainable parameters ({@link #extras()}): the embedding (V x D), then per encoder layer the gain
 * and shift of its two LayerNorms, then the head's (batch-norm) extras.
 * <p>
 * Init: embedding entries N(0, initScale^2) (PyTorch's nn.Embedding at scale 1), every linear map's W and b
 * uniform in +-initScale/sqrt(fan_in), LayerNorm gain 1 and shift 0. Input x is B x T token ids stored as numbers.
 */
public final class Transformer implements Model {
    static final double LN_EPS = 1e-5;
    private static final int MAPS_PER_LAYER = 6;
    private static final String[] MAP_NAMES = {"q", "k", "v", "o", "ff1", "ff2"};

    private final int vocab;
    private final int seqLen;
    private final int dim;
    private final int heads;
    private final int ff;
    private final int encoderLayers;
    private final DataType dtype;
    private final Mlp head;
    private final List<INDArray> weights;
    private final List<INDArray> biases;
    private final List<INDArray> extras;
    private final List<LayerInfo> layers;

    /** Sizes of a transformer; the head's widths must start at {@code dim}. */
    public record Spec(int vocab, int seqLen, int dim, int encoderLayers, int heads, int feedForward,
                       List<Integer> headWidths, Activation headActivation, boolean headResidual,
                       boolean headBatchNorm) {
        public Spec {
            headWidths = List.copyOf(headWidths);
            if (vocab < 2 || seqLen < 1 || dim < 1 || encoderLayers < 1 || heads < 1 || feedForward < 1) {
                throw new IllegalArgumentException("transformer sizes must be positive (vocabulary >= 2)");
            }
            if (dim % heads != 0) {
                throw new IllegalArgumentException("embedDim (" + dim + ") must be divisible by heads (" + heads + ")");
            }
            if (headWidths.size() < 2 || headWidths.get(0) != dim) {
                throw new IllegalArgumentException("the head's widths must start at embedDim " + dim + ": " + headWidths);
            }
        }

        /** The paper's sizes: V 16, T 32, D 32, 2 layers, 4 heads, F 32, head 32-128-128-32 tanh. */
        public static Spec paper() {
            return new Spec(16, 32, 32, 2, 4, 32, List.of(32, 128, 128, 32), Activation.TANH, false, false);
        }
    }

    @SuppressWarnings("try")
    public static Transformer create(Spec spec, double initScale, long seed, DataType dtype) {
        SplittableRandom random = new SplittableRandom(seed);
        List<INDArray> ws = new ArrayList<>();
        List<INDArray> bs = new ArrayList<>();
        List<INDArray> ex = new ArrayList<>();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            double[] emb = new double[spec.vocab() * spec.dim()];
            for (int i = 0; i < emb.length; i++) {
                emb[i] = random.nextGaussian() * initScale;
            }
            ex.add(Nd4j.create(emb, new long[] {spec.vocab(), spec.dim()}, dtype));
            for (int e = 0; e < spec.encoderLayers(); e++) {
                for (int m = 0; m < MAPS_PER_LAYER; m++) {
                    int in = m == 5 ? spec.feedForward() : spec.dim();
                    int out = m == 4 ? spec.feedForward() : spec.dim();
                    double bound = initScale / Math.sqrt(in);
                    ws.add(Nd4j.create(Mlp.uniform(random, out * in, bound), new long[] {out, in}, dtype));
                    bs.add(Nd4j.create(Mlp.uniform(random, out, bound), new long[] {out}, dtype));
                }
                for (int n = 0; n < 2; n++) {
                    ex.add(Nd4j.ones(dtype, spec.dim()));
                    ex.add(Nd4j.zeros(dtype, spec.dim()));
                }
            }
        }
        Mlp head = Mlp.create(spec.headWidths(), spec.headActivation(), spec.headResidual(), spec.headBatchNorm(),
                initScale, random.nextLong(), dtype, "head.", spec.encoderLayers() * MAPS_PER_LAYER);
        return new Transformer(spec, dtype, head, ws, bs, ex);
    }

    private Transformer(Spec spec, DataType dtype, Mlp head, List<INDArray> ws, List<INDArray> bs,
                        List<INDArray> ex) {
        this.vocab = spec.vocab();
        this.seqLen = spec.seqLen();
        this.dim = spec.dim();
        this.heads = spec.heads();
        this.ff = spec.feedForward();
        this.encoderLayers = spec.encoderLayers();
        this.dtype = dtype;
        this.head = head;
        List<INDArray> allW = new ArrayList<>(ws);
        allW.addAll(head.weights());
        List<INDArray> allB = new ArrayList<>(bs);
        allB.addAll(head.biases());
        List<INDArray> allE = new ArrayList<>(ex);
        allE.addAll(head.extras());
        this.weights = List.copyOf(allW);
        this.biases = List.copyOf(allB);
        this.extras = List.copyOf(allE);
        List<LayerInfo> infos = new ArrayList<>();
        for (int i = 0; i < ws.size(); i++) {
            INDArray w = ws.get(i);
            infos.add(new LayerInfo("enc" + (i / MAPS_PER_LAYER) + "." + MAP_NAMES[i % MAPS_PER_LAYER], i,
                    w.rows(), w.columns()));
        }
        infos.addAll(head.layers());
        this.layers = List.copyOf(infos);
    }

    @Override public String kind() { return "transformer"; }

    @Override public DataType dataType() { return dtype; }

    /** The head's batch-norm running statistics (LayerNorm keeps none). */
    @Override public List<INDArray> buffers() { return head.buffers(); }

    @Override public int inputWidth() { return seqLen; }

    @Override public int outputWidth() { return head.outputWidth(); }

    @Override public List<LayerInfo> layers() { return layers; }

    @Override public List<INDArray> weights() { return weights; }

    @Override public List<INDArray> biases() { return biases; }

    @Override public List<INDArray> extras() { return extras; }

    /** The MLP head (its parameters are part of this model's lists). */
    public Mlp head() { return head; }

    /** The embedding matrix, V x D (live). */
    public INDArray embedding() { return extras.get(0); }

    private int encoderMaps() { return encoderLayers * MAPS_PER_LAYER; }

    /**
     * What one encoder layer keeps for backward: its input x, the attention heads (q already scaled by
     * 1/sqrt(dh)) as views of one (3, B*H, T, dh) array, the attention probabilities p, the concatenated head
     * outputs, and the feed-forward and LayerNorm intermediates.
     */
    private record Enc(INDArray x, INDArray q4Scaled, INDArray k4, INDArray v4, INDArray p, INDArray concat,
                       INDArray y1, INDArray xhat1, INDArray rstd1, INDArray f1, INDArray g,
                       INDArray xhat2, INDArray rstd2) {}

    private record Cache(int batch, INDArray oneHot, List<Enc> enc, Forward head) {}

    @Override
    public Forward forward(INDArray x, boolean training) {
        if (x.rank() != 2 || x.columns() != seqLen) {
            throw new IllegalArgumentException("transformer input must be B x " + seqLen + " token ids");
        }
        int batch = (int) x.size(0);
        int rows = batch * seqLen;
        List<INDArray> inputs = new ArrayList<>();
        List<INDArray> pre = new ArrayList<>();
        List<Enc> encs = new ArrayList<>();
        INDArray oneHot = oneHot(x);
        INDArray h = oneHot.mmul(embedding()); // rows x D
        for (int e = 0; e < encoderLayers; e++) {
            int base = e * MAPS_PER_LAYER;
            INDArray xe = h;
            INDArray qkvHeads = queryKeyValueHeads(xe, base, batch, inputs, pre);
            INDArray q4 = qkvHeads.slice(0);
            INDArray k4 = qkvHeads.slice(1);
            INDArray v4 = qkvHeads.slice(2);
            INDArray p = Nd4j.matmul(q4, k4, null, false, true, false); // (B*H) x T x T scores
            p.subi(p.max(true, 2));
            Transforms.exp(p, false);
            p.divi(p.sum(true, 2));
            INDArray concat = fromHeads(Nd4j.matmul(p, v4), batch);
            INDArray attn = linear(concat, base + 3, inputs, pre);
            INDArray[] ln1 = layerNorm(xe.add(attn), 1 + 4 * e);
            INDArray y1 = ln1[0];
            INDArray f1 = linear(y1, base + 4, inputs, pre);
            INDArray g = Transforms.relu(f1, true);
            INDArray f2 = linear(g, base + 5, inputs, pre);
            INDArray[] ln2 = layerNorm(y1.add(f2), 3 + 4 * e);
            h = ln2[0];
            encs.add(new Enc(xe, q4, k4, v4, p, concat, y1, ln1[1], ln1[2], f1, g, ln2[1], ln2[2]));
        }
        INDArray pooled = h.reshape(batch, seqLen, dim).mean(1);
        Forward headForward = head.forward(pooled, training);
        inputs.addAll(headForward.inputs());
        pre.addAll(headForward.preActivations());
        assert inputs.size() == weights.size() && rows > 0;
        return new Forward(inputs, pre, headForward.output(), new Cache(batch, oneHot, encs, headForward));
    }

    /**
     * The q, k and v maps of the layer whose maps start at {@code base} as one product with their stacked
     * weights [W_q; W_k; W_v] (3D x D), computed transposed, (3D x B*T), so that each map's block of rows is
     * contiguous: the three monitored pre-activations are transposed views of those blocks (B*T x D, 'f' order),
     * as cheap to read as separate products. Returns the heads as one (3, B*H, T, dh) array, q scaled by
     * 1/sqrt(dh).
     */
    private INDArray queryKeyValueHeads(INDArray xe, int base, int batch, List<INDArray> inputs, List<INDArray> pre) {
        long rows = xe.size(0);
        INDArray qkvT = Nd4j.createUninitialized(dtype, 3L * dim, rows);
        Nd4j.gemm(stackedQueryKeyValueWeights(base), xe, qkvT, false, true, 1.0, 0.0);
        Broadcast.addiColumn(qkvT, Nd4j.concat(0, biases.get(base), biases.get(base + 1), biases.get(base + 2))
                .reshape(3L * dim, 1));
        for (int m = 0; m < 3; m++) {
            inputs.add(xe);
            pre.add(qkvT.get(NDArrayIndex.interval((long) m * dim, (long) (m + 1) * dim), NDArrayIndex.all())
                    .transpose());
        }
        int dh = dim / heads;
        // (3, H, dh, B, T) to (3, B, H, T, dh)
        INDArray qkvHeads = qkvT.reshape(3, heads, dh, batch, seqLen).permute(0, 3, 1, 4, 2).dup('c')
                .reshape(3, (long) batch * heads, seqLen, dh);
        qkvHeads.slice(0).muli(1.0 / Math.sqrt(dh));
        return qkvHeads;
    }

    /** [W_q; W_k; W_v] of the layer whose maps start at {@code base}: 3D x D, a copy of the live weights. */
    private INDArray stackedQueryKeyValueWeights(int base) {
        return Nd4j.concat(0, weights.get(base), weights.get(base + 1), weights.get(base + 2));
    }

    private INDArray oneHot(INDArray x) {
        double[] ids = x.dup('c').reshape(x.length()).toDoubleVector();
        double[] hot = new double[ids.length * vocab];
        for (int i = 0; i < ids.length; i++) {
            int id = (int) ids[i];
            if (id != ids[i] || id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " is not in 0.." + (vocab - 1));
            }
            hot[i * vocab + id] = 1.0;
        }
        return Nd4j.create(hot, new long[] {ids.length, vocab}, dtype);
    }

    /** h = a W^T + b for map i, recorded as a monitored input and pre-activation. */
    private INDArray linear(INDArray a, int i, List<INDArray> inputs, List<INDArray> pre) {
        INDArray w = weights.get(i);
        INDArray h = Nd4j.createUninitialized(dtype, a.size(0), w.rows());
        Nd4j.gemm(a, w, h, false, true, 1.0, 0.0);
        Broadcast.addiRow(h, biases.get(i));
        inputs.add(a);
        pre.add(h);
        return h;
    }

    /** (B*T) x D to (B*H) x T x dh. */
    private INDArray toHeads(INDArray m, int batch) {
        int dh = dim / heads;
        return m.reshape(batch, seqLen, heads, dh).permute(0, 2, 1, 3).dup('c').reshape(batch * heads, seqLen, dh);
    }

    /** (B*H) x T x dh to (B*T) x D. */
    private INDArray fromHeads(INDArray m, int batch) {
        int dh = dim / heads;
        return m.reshape(batch, heads, seqLen, dh).permute(0, 2, 1, 3).dup('c').reshape((long) batch * seqLen, dim);
    }

    /** LayerNorm over each row with gain extras[e] and shift extras[e + 1]: {y, xhat, 1/sqrt(var + eps)}. */
    private INDArray[] layerNorm(INDArray r, int extra) {
        // Two passes: centre, then the biased variance as the mean square of the centred rows.
        INDArray xhat = Broadcast.subColumn(r, r.mean(true, 1));
        INDArray rstd = Transforms.pow(xhat.mul(xhat).mean(true, 1).addi(LN_EPS), -0.5, false);
        Broadcast.muliColumn(xhat, rstd);
        INDArray y = Broadcast.addiRow(Broadcast.mulRow(xhat, extras.get(extra)), extras.get(extra + 1));
        return new INDArray[] {y, xhat, rstd};
    }

    /** dL/dr of a LayerNorm from dL/dy, writing the gain and shift gradients. */
    private INDArray layerNormBackward(INDArray dy, INDArray xhat, INDArray rstd, int extra, Gradients into) {
        dy.mul(xhat).sum(into.extra(extra), 0);
        dy.sum(into.extra(extra + 1), 0);
        INDArray dxhat = Broadcast.mulRow(dy, extras.get(extra));
        INDArray m1 = dxhat.mean(true, 1);
        INDArray m2 = dxhat.mul(xhat).mean(true, 1);
        return Broadcast.muliColumn(Broadcast.subiColumn(dxhat, m1).subi(Broadcast.mulColumn(xhat, m2)), rstd);
    }

    /** dW = delta^T a, db = sum delta for map i. */
    private static void linearGrad(INDArray delta, INDArray a, int i, Gradients into) {
        Nd4j.gemm(delta, a, into.weight(i), true, false, 1.0, 0.0);
        delta.sum(into.bias(i), 0);
    }

    /** delta W_i, the gradient with respect to map i's input, into a new array or added to {@code acc}. */
    private INDArray backThrough(INDArray delta, int i, INDArray acc) {
        INDArray w = weights.get(i);
        if (acc == null) {
            INDArray out = Nd4j.createUninitialized(dtype, delta.size(0), w.columns());
            Nd4j.gemm(delta, w, out, false, false, 1.0, 0.0);
            return out;
        }
        Nd4j.gemm(delta, w, acc, false, false, 1.0, 1.0);
        return acc;
    }

    @Override
    public void backward(Forward forward, INDArray outputGradient, double activationSparsity, Gradients into) {
        Cache c = (Cache) forward.cache();
        int batch = c.batch();
        int maps = encoderMaps();
        Gradients headGrads = into.slice(maps, weights.size(), 1 + 4 * encoderLayers, extras.size());
        INDArray dPooled = head.backward(c.head(), outputGradient, activationSparsity, headGrads, true);
        // pooled = mean over tokens: every token receives dPooled / T.
        INDArray dx = Nd4j.zeros(dtype, batch, seqLen, dim).addi(dPooled.reshape(batch, 1, dim))
                .divi(seqLen).reshape((long) batch * seqLen, dim);
        for (int e = encoderLayers - 1; e >= 0; e--) {
            Enc enc = c.enc().get(e);
            int base = e * MAPS_PER_LAYER;
            int ln = 1 + 4 * e;
            INDArray dr2 = layerNormBackward(dx, enc.xhat2(), enc.rstd2(), ln + 2, into);
            linearGrad(dr2, enc.g(), base + 5, into);
            INDArray dg = backThrough(dr2, base + 5, null);
            if (activationSparsity > 0) {
                dg.addi(Transforms.sign(enc.g(), true).muli(activationSparsity / enc.g().length()));
            }
            INDArray df1 = dg.muli(Transforms.step(enc.f1(), true));
            linearGrad(df1, enc.y1(), base + 4, into);
            INDArray dy1 = backThrough(df1, base + 4, dr2.dup());
            INDArray dr1 = layerNormBackward(dy1, enc.xhat1(), enc.rstd1(), ln, into);
            linearGrad(dr1, enc.concat(), base + 3, into);
            INDArray dConcat = backThrough(dr1, base + 3, null);
            INDArray dO = toHeads(dConcat, batch);
            INDArray p = enc.p();
            INDArray dp = Nd4j.matmul(dO, enc.v4(), null, false, true, false);
            // dq, dk, dv per head, in the layout of the forward's heads, for one product back to the maps.
            INDArray dqkvHeads = Nd4j.createUninitialized(dtype, 3, (long) batch * heads, seqLen, dim / heads);
            Nd4j.matmul(p, dO, dqkvHeads.slice(2), true, false, false);
            // softmax backward: dS = P * (dP - sum_k dP_k P_k) (the 1/sqrt(dh) scale is applied to dq below).
            INDArray ds = dp.subi(dp.mul(p).sum(true, 2)).muli(p);
            Nd4j.matmul(ds, enc.k4(), dqkvHeads.slice(0), false, false, false)
                    .muli(1.0 / Math.sqrt((double) dim / heads));
            Nd4j.matmul(ds, enc.q4Scaled(), dqkvHeads.slice(1), true, false, false);
            dx = queryKeyValueBackward(dqkvHeads, enc.x(), base, batch, dr1, into);
        }
        Nd4j.gemm(c.oneHot(), dx, into.extra(0), true, false, 1.0, 0.0);
    }

    /**
     * From dL/d(heads) of q, k and v, (3, B*H, T, dh), the gradients of the three maps (one product with their
     * stacked weights) and their contribution to dL/dx, added to {@code residual}, which is returned.
     */
    private INDArray queryKeyValueBackward(INDArray dqkvHeads, INDArray x, int base, int batch, INDArray residual,
                                           Gradients into) {
        int dh = dim / heads;
        INDArray dqkv = dqkvHeads.reshape(3, batch, heads, seqLen, dh).permute(1, 3, 0, 2, 4).dup('c')
                .reshape((long) batch * seqLen, 3L * dim);
        INDArray dw = Nd4j.createUninitialized(dtype, 3L * dim, dim);
        Nd4j.gemm(dqkv, x, dw, true, false, 1.0, 0.0);
        INDArray db = dqkv.sum(0);
        for (int m = 0; m < 3; m++) {
            into.weight(base + m).assign(dw.get(NDArrayIndex.interval((long) m * dim, (long) (m + 1) * dim),
                    NDArrayIndex.all()));
            into.bias(base + m).assign(db.get(NDArrayIndex.interval((long) m * dim, (long) (m + 1) * dim)));
        }
        Nd4j.gemm(dqkv, stackedQueryKeyValueWeights(base), residual, false, false, 1.0, 1.0);
        return residual;
    }

    /**
     * For DFA: encoder maps q, k, v, o and ff2 are followed by no nonlinearity of their own (attention, the
     * residual stream and LayerNorm are shared), so the delta is the upstream gradient; ff1 is followed by ReLU.
     * Head maps use the head's activation (and batch norm).
     */
    @Override
    public INDArray localDelta(Forward forward, int layer, INDArray upstream) {
        Cache c = (Cache) forward.cache();
        if (layer >= encoderMaps()) {
            return head.localDelta(c.head(), layer - encoderMaps(), upstream);
        }
        if (layer % MAPS_PER_LAYER == 4) {
            return upstream.mul(Transforms.step(c.enc().get(layer / MAPS_PER_LAYER).f1(), true));
        }
        return upstream.dup();
    }
}
