package io.hebbscope.lab.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * The Hebbian / anti-Hebbian phase boundary γ* = c σ^p (the paper's Figure 5). For each noise σ > 0, γ* is where
 * the mean alignment first changes sign as γ grows over the grid's positive γ values, by linear interpolation in
 * log γ between the two grid points around it (a grid point where the mean is exactly 0 is γ* itself). Then
 * log γ* = log c + p log σ by least squares. Fewer than two crossings: no fit. With three or more, the standard
 * error of p is sqrt(SSE / (n - 2) / Sxx) and its 95% confidence interval p ± t(0.975, n - 2) SE (Student's t:
 * the crossings' scatter about the line is the only error it knows; the crossings' own interpolation error and
 * the seed-to-seed spread enter only through that scatter).
 */
public final class PhaseBoundaryFit {
    /** One point of the boundary. */
    public record Crossing(double sigma, double gamma) {}

    /**
     * The crossings found and, with at least two, the fitted c, p and the R² of the fit in log-log space; with at
     * least three, the standard error of p and its 95% confidence interval [pLow, pHigh] (NaN otherwise).
     */
    public record Result(List<Crossing> crossings, double c, double p, double r2, double standardError, double pLow,
                         double pHigh) {
        public Result {
            crossings = List.copyOf(crossings);
        }

        /** Whether p has a confidence interval (three or more crossings). */
        public boolean hasInterval() {
            return crossings.size() >= 3;
        }

        public boolean fitted() {
            return crossings.size() >= 2;
        }

        public int points() {
            return crossings.size();
        }

        /** γ* = c σ^p. */
        public double boundary(double sigma) {
            return c * Math.pow(sigma, p);
        }

        /** One line for the index. */
        public String describe() {
            if (!fitted()) {
                return "not enough crossings to fit (" + points() + " σ with a sign change of the mean alignment; 2 needed)";
            }
            if (!hasInterval()) {
                return String.format(Locale.ROOT, "γ* = c σ^p with c = %.4g, p = %.3f (R² = %.3f, %d points)", c, p, r2,
                    points());
            }
            return String.format(Locale.ROOT, "γ* = c σ^p with c = %.4g, p = %.3f, 95%% CI [%.3f, %.3f] (SE %.3f; R² = %.3f, "
                + "%d points)", c, p, pLow, pHigh, standardError, r2, points());
        }
    }

    private PhaseBoundaryFit() {}

    /** @param grid σ -> (γ -> mean alignment); cells with a non-finite mean are ignored */
    public static Result fit(Map<Double, Map<Double, Double>> grid) {
        List<Crossing> crossings = new ArrayList<>();
        new TreeMap<>(grid).forEach((sigma, row) -> {
            if (sigma > 0) {
                crossing(row).ifPresent(g -> crossings.add(new Crossing(sigma, g)));
            }
        });
        if (crossings.size() < 2) {
            return new Result(crossings, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        int n = crossings.size();
        double sx = 0;
        double sy = 0;
        for (Crossing c : crossings) {
            sx += Math.log(c.sigma());
            sy += Math.log(c.gamma());
        }
        double mx = sx / n;
        double my = sy / n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (Crossing c : crossings) {
            double dx = Math.log(c.sigma()) - mx;
            double dy = Math.log(c.gamma()) - my;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        double p = sxy / sxx;
        double logC = my - p * mx;
        double r2 = syy == 0 ? 1 : (sxy * sxy) / (sxx * syy);
        double se = Double.NaN;
        double low = Double.NaN;
        double high = Double.NaN;
        if (n >= 3) {
            double sse = Math.max(0, syy - p * sxy);
            se = Math.sqrt(sse / (n - 2) / sxx);
            double t = tQuantile975(n - 2);
            low = p - t * se;
            high = p + t * se;
        }
        return new Result(crossings, Math.exp(logC), p, r2, se, low, high);
    }

    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
        2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
        2.048, 2.045, 2.042};

    /** The 0.975 quantile of Student's t with {@code df} degrees of freedom (table to 30, then 1.96 + 2.4 / df). */
    static double tQuantile975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("df must be >= 1: " + df);
        }
        return df <= T975.length ? T975[df - 1] : 1.96 + 2.4 / df;
    }

    /** Where the mean alignment first changes sign over the positive γ of one σ's row, if it does. */
    static OptionalDouble crossing(Map<Double, Double> row) {
        List<double[]> points = new ArrayList<>();
        new TreeMap<>(row).forEach((gamma, a) -> {
            if (gamma > 0 && a != null && Double.isFinite(a)) {
                points.add(new double[] {gamma, a});
            }
        });
        for (int i = 0; i < points.size(); i++) {
            double g0 = points.get(i)[0];
            double a0 = points.get(i)[1];
            if (a0 == 0) {
                return OptionalDouble.of(g0);
            }
            if (i + 1 < points.size()) {
                double g1 = points.get(i + 1)[0];
                double a1 = points.get(i + 1)[1];
                if (a1 != 0 && Math.signum(a0) != Math.signum(a1)) {
                    double t = a0 / (a0 - a1);
                    return OptionalDouble.of(Math.exp(Math.log(g0) + t * (Math.log(g1) - Math.log(g0))));
                }
            }
        }
        return OptionalDouble.empty();
    }
}
