package io.hebbscope.analyzer.alignment;

/**
 * Per-neuron partial sums of a layer at one step, {@code rows x 7}: for the negative gradient, the
 * learning signal and the update, the dot product with H_i and the squared norm; then |H_i|^2.
 * Sums, unlike cosines, add up across blocks, so a layer's alignment assembles exactly from its blocks.
 */
public final class RowSums {
    public static final int WIDTH = 7;
    public static final int GRADIENT = 0;
    public static final int SIGNAL = 2;
    public static final int UPDATE = 4;
    public static final int HEBBIAN = 6;

    private RowSums() {}

    /**
     * Computes the sums of one block. {@code signal} may be null: then g = -gradient (SGD), and the
     * signal columns copy the gradient's.
     *
     * <p>One pass over each row for all tensors: each sum still adds its terms in column order, so the result is
     * bit for bit that of one loop per tensor (AlignmentTest keeps that form as the reference), but the seven
     * independent sums share the loop (a single sum waits on its previous addition each element; these were most
     * of the row sums' time). Every element of every tensor enters one of the squared norms, so a non-finite value
     * anywhere makes a sum non-finite: {@link #finite} then says so without another pass.
     */
    public static double[] of(float[] gradient, float[] signal, float[] hebbian, float[] update, int rows, int cols) {
        double[] out = new double[rows * WIDTH];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            double gh = 0;
            double gg = 0;
            double sh = 0;
            double ss = 0;
            double uh = 0;
            double uu = 0;
            double hh = 0;
            if (signal == null) { // SGD, the common case: a loop of its own, two sums fewer per element
                for (int c = 0; c < cols; c++) {
                    double h = hebbian[base + c];
                    double g = gradient[base + c];
                    double u = update[base + c];
                    gh += g * h;
                    gg += g * g;
                    uh += u * h;
                    uu += u * u;
                    hh += h * h;
                }
            } else {
                for (int c = 0; c < cols; c++) {
                    double h = hebbian[base + c];
                    double g = gradient[base + c];
                    double sv = signal[base + c];
                    double u = update[base + c];
                    gh += g * h;
                    gg += g * g;
                    sh += sv * h;
                    ss += sv * sv;
                    uh += u * h;
                    uu += u * u;
                    hh += h * h;
                }
            }
            int at = r * WIDTH;
            out[at + GRADIENT] = -gh; // g = -gradient
            out[at + GRADIENT + 1] = gg;
            out[at + SIGNAL] = signal == null ? -gh : sh;
            out[at + SIGNAL + 1] = signal == null ? gg : ss;
            out[at + UPDATE] = uh;
            out[at + UPDATE + 1] = uu;
            out[at + HEBBIAN] = hh;
        }
        return out;
    }

    /** False when a sum is infinite or NaN: then some input value was (sums of finite float32 values in float64 are finite). */
    public static boolean finite(double[] sums) {
        for (double v : sums) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
