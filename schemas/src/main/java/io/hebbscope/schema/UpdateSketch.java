package io.hebbscope.schema;

import java.nio.FloatBuffer;

/**
 * The definition of the update sketch that LayerStats and the analyzer's BlockAlignment carry, shared by the trainer
 * and the analyzer (and written down for other producers): {@code s_k = <U, P_k>} for {@value #SIZE} fixed random
 * sign matrices P_k. The sign of P_k at element (row r, column c) of a layer with {@code cols} inputs is {@code -1}
 * where bit k of {@code (int) mix(r * cols + c)} is set, else {@code +1} ({@link #mix}: SplitMix64's finalizer), so
 * every block and every step uses the same P_k. Sketches add up over blocks and over steps, and for any matrix X,
 * {@code E[(1/K) sum_k <X, P_k>^2] = |X|_F^2}: the norm of the summed update over a window is estimated from K
 * numbers per step instead of the whole tensors (relative error about 1/sqrt(2K) = 12.5%).
 *
 * <p>Three forms compute it, all in float64 from float32 values: {@link #ofByBranches} is the definition, one branch
 * per sign; {@link #of} looks eight signs up at once and gives bit for bit the same sums; {@link #accumulate} +
 * {@link #fold} sort each element's value into four histograms of 256 bins, one per byte of its 32 sign bits, and
 * apply the signs to the 1,024 bin totals at the end: 4 additions per element instead of 32, the same sums up to
 * float64 rounding (the order of the additions differs), four to ten times faster (the form the trainer and the
 * analyzer use).
 */
public final class UpdateSketch {
    public static final int SIZE = 32;
    /** Bins of the histogram form: 4 bytes of sign bits x 256 values. */
    public static final int BINS = 4 * 256;

    private UpdateSketch() {}

    /** SIGN[b * 8 + j] = -1 where bit j of the byte b is set, else +1: eight signs of a position per lookup. */
    private static final double[] SIGN = new double[256 * 8];

    static {
        for (int b = 0; b < 256; b++) {
            for (int j = 0; j < 8; j++) {
                SIGN[b * 8 + j] = ((b >>> j) & 1) == 0 ? 1.0 : -1.0;
            }
        }
    }

    /**
     * The sketch of one block of rows {@code rowOffset .. rowOffset+rows-1} of a layer with {@code cols} inputs.
     * Each s_k adds +-v over the elements in their order, multiplying by a looked-up sign instead of branching
     * on a random bit (32 unpredictable branches per element made this the analyzer's hottest loop); v * +-1 is
     * exact, so the sums are bit for bit those of the branching form.
     */
    public static double[] of(float[] update, int rowOffset, int rows, int cols) {
        int n = Math.multiplyExact(rows, cols);
        int[] bits = new int[n];
        long first = (long) rowOffset * cols;
        for (int i = 0; i < n; i++) {
            bits[i] = (int) mix(first + i);
        }
        double[] out = new double[SIZE];
        // Eight sums at a time in locals (registers), each still adding its terms in element order: a sum kept in
        // the output array was loaded and stored again for every element.
        for (int b = 0; b < 4; b++) {
            int shift = 8 * b;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (int i = 0; i < n; i++) {
                double v = update[i];
                int signs = ((bits[i] >>> shift) & 0xFF) * 8;
                s0 += v * SIGN[signs + 0];
                s1 += v * SIGN[signs + 1];
                s2 += v * SIGN[signs + 2];
                s3 += v * SIGN[signs + 3];
                s4 += v * SIGN[signs + 4];
                s5 += v * SIGN[signs + 5];
                s6 += v * SIGN[signs + 6];
                s7 += v * SIGN[signs + 7];
            }
            out[shift + 0] = s0;
            out[shift + 1] = s1;
            out[shift + 2] = s2;
            out[shift + 3] = s3;
            out[shift + 4] = s4;
            out[shift + 5] = s5;
            out[shift + 6] = s6;
            out[shift + 7] = s7;
        }
        return out;
    }

    /** The definition, one branch per bit: the reference the other forms are tested against. */
    public static double[] ofByBranches(float[] update, int rowOffset, int rows, int cols) {
        double[] out = new double[SIZE];
        for (int r = 0; r < rows; r++) {
            long base = (long) (rowOffset + r) * cols;
            for (int c = 0; c < cols; c++) {
                double v = update[r * cols + c];
                int bits = (int) mix(base + c);
                for (int k = 0; k < SIZE; k++) {
                    out[k] += ((bits >>> k) & 1) == 0 ? v : -v;
                }
            }
        }
        return out;
    }

    /**
     * Histogram form, first half: adds the {@code n} values {@code values[offset ..]}, which sit at the consecutive
     * layer positions {@code firstPosition ..} (row * cols + col), into {@code bins} ({@link #BINS} long): bin
     * {@code b * 256 + v} collects the values whose sign bits {@code 8b .. 8b+7} read v. Blocks may be added in any
     * order into the same bins; {@link #fold} then gives their sketch.
     */
    public static void accumulate(FloatBuffer values, int offset, int n, long firstPosition, double[] bins) {
        if (bins.length != BINS) {
            throw new IllegalArgumentException("bins must have " + BINS + " entries, not " + bins.length);
        }
        if (offset < 0 || n < 0 || (long) offset + n > values.limit()) {
            throw new IllegalArgumentException(n + " values from " + offset + " exceed a buffer of " + values.limit());
        }
        for (int i = 0; i < n; i++) {
            double v = values.get(offset + i);
            int bits = (int) mix(firstPosition + i);
            bins[bits & 0xFF] += v;
            bins[256 + ((bits >>> 8) & 0xFF)] += v;
            bins[512 + ((bits >>> 16) & 0xFF)] += v;
            bins[768 + (bits >>> 24)] += v;
        }
    }

    /** Histogram form, second half: the sketch of what was {@link #accumulate}d into {@code bins}. */
    public static double[] fold(double[] bins) {
        double[] out = new double[SIZE];
        for (int b = 0; b < 4; b++) {
            for (int v = 0; v < 256; v++) {
                double total = bins[b * 256 + v];
                if (total != 0) {
                    for (int j = 0; j < 8; j++) {
                        out[b * 8 + j] += total * SIGN[v * 8 + j];
                    }
                }
            }
        }
        return out;
    }

    /** The sketch of rows {@code rowOffset ..} of a layer of {@code cols} inputs, {@code rows * cols} values from {@code offset}. */
    public static double[] byHistogram(FloatBuffer values, int offset, int rowOffset, int rows, int cols) {
        double[] bins = new double[BINS];
        accumulate(values, offset, Math.multiplyExact(rows, cols), (long) rowOffset * cols, bins);
        return fold(bins);
    }

    /** Estimate of |X|_F from the sketch of X. */
    public static double norm(double[] sketch) {
        double s = 0;
        for (double v : sketch) {
            s += v * v;
        }
        return Math.sqrt(s / sketch.length);
    }

    /** SplitMix64's finalizer: a fixed, well-mixed hash of the position. */
    public static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
