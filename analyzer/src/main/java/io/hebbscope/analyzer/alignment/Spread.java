package io.hebbscope.analyzer.alignment;

import java.util.Arrays;

/** Mean, standard deviation and quantiles of the defined neuron alignments of a layer. */
public record Spread(int count, double mean, double std, double p10, double p50, double p90) {

    /** Null when no neuron is defined. Quantiles interpolate linearly between order statistics. */
    public static Spread of(double[] values, boolean[] defined) {
        double[] v = new double[values.length];
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (defined[i]) {
                v[n++] = values[i];
            }
        }
        if (n == 0) {
            return null;
        }
        v = Arrays.copyOf(v, n);
        Arrays.sort(v);
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= n;
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        return new Spread(n, mean, Math.sqrt(var / n), quantile(v, 0.1), quantile(v, 0.5), quantile(v, 0.9));
    }

    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
