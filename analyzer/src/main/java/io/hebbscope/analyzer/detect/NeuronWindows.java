package io.hebbscope.analyzer.detect;

import java.io.DataInput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The last N analyzed steps of each neuron's three alignment signals (gradient, signal, update), as a ring
 * buffer of float32 (NaN where undefined). State size: rows x 3 x N x 4 bytes per layer (128 neurons,
 * N = 32: 48 KiB), plus N step numbers.
 */
public final class NeuronWindows {
    public static final int SIGNALS = 3;
    public static final int UPDATE = 2;

    private final int rows;
    private final int n;
    private final float[] data;
    private final long[] steps;
    private int head;
    private int fill;

    public NeuronWindows(int rows, int n) {
        this.rows = rows;
        this.n = n;
        this.data = new float[rows * SIGNALS * n];
        this.steps = new long[n];
        Arrays.fill(data, Float.NaN);
    }

    public int rows() {
        return rows;
    }

    public int length() {
        return n;
    }

    /** Steps held so far, at most N. */
    public int fill() {
        return fill;
    }

    public boolean full() {
        return fill == n;
    }

    /** Appends one step: values[s][i] for signal s and neuron i, NaN stored where !defined[s][i]. */
    public void push(long step, double[][] values, boolean[][] defined) {
        for (int s = 0; s < SIGNALS; s++) {
            for (int i = 0; i < rows; i++) {
                data[(i * SIGNALS + s) * n + head] = defined[s][i] ? (float) values[s][i] : Float.NaN;
            }
        }
        steps[head] = step;
        head = (head + 1) % n;
        fill = Math.min(fill + 1, n);
    }

    /** Value k (0 = oldest held) of signal s of neuron i; NaN where undefined. */
    public double get(int i, int s, int k) {
        return data[(i * SIGNALS + s) * n + (head - fill + k + n) % n];
    }

    /** Step of the k-th held value (0 = oldest). */
    public long step(int k) {
        return steps[(head - fill + k + n) % n];
    }

    /** The held values of signal s of neuron i, oldest first. */
    public double[] series(int i, int s) {
        double[] out = new double[fill];
        for (int k = 0; k < fill; k++) {
            out[k] = get(i, s, k);
        }
        return out;
    }

    void write(StateOutput out) throws IOException {
        out.writeInt(rows);
        out.writeInt(n);
        out.writeInt(head);
        out.writeInt(fill);
        for (long s : steps) {
            out.writeLong(s);
        }
        out.writeFloats(data);
    }

    static NeuronWindows read(DataInput in) throws IOException {
        NeuronWindows w = new NeuronWindows(in.readInt(), in.readInt());
        w.head = in.readInt();
        w.fill = in.readInt();
        for (int k = 0; k < w.n; k++) {
            w.steps[k] = in.readLong();
        }
        byte[] bytes = new byte[w.data.length * Float.BYTES];
        in.readFully(bytes);
        BigEndian.floats(bytes, w.data);
        return w;
    }
}
