package io.hebbscope.lab.report;

import java.util.List;
import java.util.Locale;

/** Mean and population standard deviation (divisor n, as numpy's default) of some values; n = 0 when there are none. */
public record StatCell(double mean, double std, int n) {
    public static StatCell of(List<Double> values) {
        int n = values.size();
        if (n == 0) {
            return new StatCell(Double.NaN, Double.NaN, 0);
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).sum() / n;
        double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        return new StatCell(mean, Math.sqrt(ss / n), n);
    }

    public boolean defined() {
        return n > 0;
    }

    /** "0.66±0.01", or "–" when no value was defined. */
    public String format() {
        return defined() ? String.format(Locale.ROOT, "%.2f±%.2f", mean, std) : "–";
    }
}
