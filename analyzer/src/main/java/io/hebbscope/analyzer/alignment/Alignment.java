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
}
