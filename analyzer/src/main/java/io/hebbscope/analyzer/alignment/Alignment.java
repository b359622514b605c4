package io.hebbscope.analyzer.alignment;

/**
 * Cosine alignment with the Hebbian term, the one implementation every part of hebbscope uses.
 * Alignment is undefined where either vector has zero norm: {@link #cosine} then returns null rather
 * than NaN, and per-row variants report 0 with {@code defined[i] = false}.
 */
public final class Alignment {
    private Alignment() {}

    /** cos from a dot product and the two squared norms; null when either norm is zero. */
    public static Double cosine(double dot, double xSquared, double ySquared) {
        if (!(xSquared > 0) || !(ySquared > 0)) {
            return null;
        }
        double c = dot / Math.sqrt(xSquared * ySquared);
        // Rounding can push |c| a hair past 1.
        return Math.max(-1.0, Math.min(1.0, c));
    }

    /** Frobenius cosine of two equally sized matrices, {@code sign * x} against {@code y}. */
    public static Double cosine(float[] x, float[] y, int sign) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("sizes differ: " + x.length + " vs " + y.length);
        }
        double dot = 0;
        double xx = 0;
        double yy = 0;
        for (int i = 0; i < x.length; i++) {
            dot += (double) x[i] * y[i];
            xx += (double) x[i] * x[i];
            yy += (double) y[i] * y[i];
        }
        return cosine(sign * dot, xx, yy);
    }

    /**
     * Per-row sums of {@code sign * x} against {@code h} (both rows x cols, row-major): writes
     * dot into {@code out[r*stride + col]} and |x_r|^2 into {@code out[r*stride + col + 1]}.
     */
    public static void rowSums(float[] x, float[] h, int rows, int cols, int sign, double[] out, int stride, int col) {
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            double xx = 0;
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                double xv = x[base + c];
                dot += xv * h[base + c];
                xx += xv * xv;
            }
            out[r * stride + col] = sign * dot;
            out[r * stride + col + 1] = xx;
        }
    }

    /** |h_r|^2 per row into {@code out[r*stride + col]}. */
    public static void rowSquaredNorms(float[] h, int rows, int cols, double[] out, int stride, int col) {
        for (int r = 0; r < rows; r++) {
            double hh = 0;
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                hh += (double) h[base + c] * h[base + c];
            }
            out[r * stride + col] = hh;
        }
    }
}
