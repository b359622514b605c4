package io.hebbscope.trainer.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A multilayer perceptron: linear layers h_l = a_l W_l^T + b_l with W_l (out x in) and b_l (out), the
 * activation on every hidden layer and a linear output. Parameters live outside any workspace (they outlive
 * the step); forward/backward scratch goes to the caller's current workspace.
 */
public final class Mlp {
    private final int[] widths;
    private final Activation activation;
    private final DataType dtype;
    private final List<INDArray> weights;
    private final List<INDArray> biases;

    private Mlp(int[] widths, Activation activation, DataType dtype, List<INDArray> weights, List<INDArray> biases) {
        this.widths = widths.clone();
        this.activation = activation;
        this.dtype = dtype;
        this.weights = List.copyOf(weights);
        this.biases = List.copyOf(biases);
    }

    /**
     * A freshly initialised MLP. W and b of layer l are uniform in +-scale/sqrt(fan_in) (PyTorch's nn.Linear
     * default when scale = 1), drawn in forward order, W row-major then b, from {@code seed}. The draws are made
     * in double precision and rounded to {@code dtype}, so FLOAT and DOUBLE nets with one seed start equal.
     */
    @SuppressWarnings("try") // the scope only redirects allocations
    public static Mlp create(List<Integer> widths, Activation activation, double initScale, long seed,
                             DataType dtype) {
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
        return new Mlp(w, activation, dtype, ws, bs);
    }

    /** An MLP with the given parameters, copied outside any workspace (tests and hand-built nets). */
    @SuppressWarnings("try")
    public static Mlp of(List<INDArray> weights, List<INDArray> biases, Activation activation) {
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
        return new Mlp(w, activation, dtype, ws, bs);
    }

    private static double[] uniform(SplittableRandom random, int n, double bound) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (2.0 * random.nextDouble() - 1.0) * bound;
        }
        return v;
    }

    public int layerCount() { return weights.size(); }

    /** Widths from input to output, e.g. [32, 128, 128, 32]. */
    public int[] widths() { return widths.clone(); }

    public Activation activation() { return activation; }

    public DataType dataType() { return dtype; }

    /** The live weight matrix of layer l (out x in); update rules modify it in place. */
    public INDArray weight(int layer) { return weights.get(layer); }

    /** The live bias of layer l (length out). */
    public INDArray bias(int layer) { return biases.get(layer); }

    /** The live weights, forward order. */
    public List<INDArray> weights() { return weights; }

    /** The live biases, forward order. */
    public List<INDArray> biases() { return biases; }

    /** Runs x (B x in) through the net, keeping each layer's input and pre-activation. */
    public Forward forward(INDArray x) {
        long batch = x.size(0);
        List<INDArray> inputs = new ArrayList<>(weights.size());
        List<INDArray> pre = new ArrayList<>(weights.size());
        INDArray a = x.dataType() == dtype ? x : x.castTo(dtype);
        for (int l = 0; l < weights.size(); l++) {
            INDArray w = weights.get(l);
            INDArray h = Nd4j.createUninitialized(dtype, batch, w.rows());
            Nd4j.gemm(a, w, h, false, true, 1.0, 0.0); // h = a W^T
            h.addiRowVector(biases.get(l));
            inputs.add(a);
            pre.add(h);
            if (l + 1 < weights.size()) {
                a = activation.apply(h);
            }
        }
        return new Forward(inputs, pre);
    }

    /** The output for x (B x outputs). */
    public INDArray predict(INDArray x) {
        return forward(x).output();
    }

    /** Gradient buffers of the parameters' shapes, zero-filled, allocated outside any workspace. */
    @SuppressWarnings("try")
    public Gradients newGradients() {
        List<INDArray> gw = new ArrayList<>();
        List<INDArray> gb = new ArrayList<>();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int l = 0; l < weights.size(); l++) {
                gw.add(Nd4j.zeros(dtype, weights.get(l).shape()));
                gb.add(Nd4j.zeros(dtype, biases.get(l).shape()));
            }
        }
        return new Gradients(gw, gb);
    }

    /**
     * Backpropagates {@code outputGradient} = dL/d(output) (B x outputs, already including the loss's batch
     * mean) through {@code forward}, writing dL/dW_l = delta_l^T a_l and dL/db_l = sum_i delta_l,i into
     * {@code into}. delta_{l-1} = (delta_l W_l) * f'(h_{l-1}).
     */
    public void backward(Forward forward, INDArray outputGradient, Gradients into) {
        INDArray delta = outputGradient;
        for (int l = weights.size() - 1; l >= 0; l--) {
            Nd4j.gemm(delta, forward.inputs().get(l), into.weight(l), true, false, 1.0, 0.0);
            delta.sum(into.bias(l), 0);
            if (l > 0) {
                INDArray w = weights.get(l);
                INDArray upstream = Nd4j.createUninitialized(dtype, delta.size(0), w.columns());
                Nd4j.gemm(delta, w, upstream, false, false, 1.0, 0.0); // dL/da_l = delta W_l
                INDArray fPrime = activation.derivative(forward.preActivations().get(l - 1), forward.inputs().get(l));
                delta = upstream.muli(fPrime);
            }
        }
    }

    /** Detached copies of the weights (outside any workspace), forward order. */
    public List<INDArray> copyWeights() {
        return copyAll(weights);
    }

    /** Detached copies of the biases (outside any workspace), forward order. */
    public List<INDArray> copyBiases() {
        return copyAll(biases);
    }

    @SuppressWarnings("try")
    private static List<INDArray> copyAll(List<INDArray> arrays) {
        List<INDArray> copies = new ArrayList<>(arrays.size());
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (INDArray a : arrays) {
                copies.add(a.dup());
            }
        }
        return List.copyOf(copies);
    }
}
