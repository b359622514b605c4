package io.hebbscope.analyzer.detect;

/**
 * A linear sketch of the update U: {@code s_k = <U, P_k>} for {@value #SIZE} fixed random sign matrices
 * P_k (entries +-1 from a hash of the entry's position in the layer, so every block and every step uses the
 * same P_k). Sketches add up over blocks and over steps, and for any matrix X,
 * {@code E[(1/K) sum_k <X, P_k>^2] = |X|_F^2}: the norm of the summed update over a window is estimated from
 * K numbers per step instead of the whole tensors (relative error about 1/sqrt(2K) = 12.5%).
 */
public final class UpdateSketch {
    public static final int SIZE = 32;

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
        double[] out = new double[SIZE];
        for (int r = 0; r < rows; r++) {
            long base = (long) (rowOffset + r) * cols;
            int row = r * cols;
            for (int c = 0; c < cols; c++) {
                double v = update[row + c];
                int bits = (int) mix(base + c);
                for (int b = 0; b < 4; b++) {
                    int signs = ((bits >>> (8 * b)) & 0xFF) * 8;
                    int o = b * 8;
                    for (int j = 0; j < 8; j++) {
                        out[o + j] += v * SIGN[signs + j];
                    }
                }
            }
        }
        return out;
    }

    /** The definition, one branch per bit: the reference the fast form is tested against. */
    static double[] ofByBranches(float[] update, int rowOffset, int rows, int cols) {
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

    /** Estimate of |X|_F from the sketch of X. */
    public static double norm(double[] sketch) {
        double s = 0;
        for (double v : sketch) {
            s += v * v;
        }
        return Math.sqrt(s / sketch.length);
    }

    /** SplitMix64's finalizer: a fixed, well-mixed hash of the position. */
    static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
