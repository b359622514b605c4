package io.hebbscope.lab.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

/** The boundary fit on synthetic grids whose boundary is known. */
class PhaseBoundaryFitTest {
    private static Map<Double, Map<Double, Double>> grid(List<Double> sigmas, List<Double> gammas, DoubleBinaryOperator a) {
        Map<Double, Map<Double, Double>> g = new TreeMap<>();
        for (double s : sigmas) {
            for (double y : gammas) {
                g.computeIfAbsent(s, k -> new TreeMap<>()).put(y, a.applyAsDouble(s, y));
            }
        }
        return g;
    }

    /** γ = 10^(k/steps) for k from lo*steps to hi*steps, plus γ = 0. */
    private static List<Double> logGrid(int lo, int hi, int perDecade) {
        List<Double> out = new java.util.ArrayList<>(List.of(0.0));
        for (int k = lo * perDecade; k <= hi * perDecade; k++) {
            out.add(Math.pow(10, (double) k / perDecade));
        }
        return out;
    }

    @Test
    void alignmentLinearInLogGammaGivesTheExactBoundary() {
        // a = ln γ - ln(100 σ²): crosses 0 at γ* = 100 σ², linear in log γ, so interpolation is exact.
        var g = grid(List.of(0.0, 0.05, 0.1, 0.2, 0.4), logGrid(-4, 2, 2),
            (s, y) -> y == 0 ? -5 : Math.log(y) - Math.log(100 * s * s));
        PhaseBoundaryFit.Result fit = PhaseBoundaryFit.fit(g);
        assertThat(fit.fitted()).isTrue();
        assertThat(fit.points()).isEqualTo(4); // σ = 0 has no boundary
        assertThat(fit.p()).isCloseTo(2, within(1e-9));
        assertThat(fit.c()).isCloseTo(100, within(1e-7));
        assertThat(fit.r2()).isCloseTo(1, within(1e-12));
        for (PhaseBoundaryFit.Crossing c : fit.crossings()) {
            assertThat(c.gamma()).isCloseTo(100 * c.sigma() * c.sigma(), within(1e-9));
        }
        assertThat(fit.describe()).contains("p = 2.000").contains("4 points");
    }

    @Test
    void thePapersLinearRegressionFormGivesPTwo() {
        // a = -σ² + 0.01 γ (the paper's linear-regression prediction with c0 = 1, c1 = 0.01): γ* = 100 σ².
        var g = grid(List.of(0.0, 0.03, 0.1, 0.3, 1.0), logGrid(-4, 3, 10), (s, y) -> -s * s + 0.01 * y);
        PhaseBoundaryFit.Result fit = PhaseBoundaryFit.fit(g);
        assertThat(fit.points()).isEqualTo(4);
        assertThat(fit.p()).isCloseTo(2, within(0.01));
        assertThat(fit.c()).isCloseTo(100, within(2.0));
    }

    @Test
    void anotherExponentIsRecovered() {
        var g = grid(List.of(0.01, 0.1, 1.0), logGrid(-5, 2, 4), (s, y) -> Math.log(y / (3 * Math.pow(s, 1.5))));
        PhaseBoundaryFit.Result fit = PhaseBoundaryFit.fit(g);
        assertThat(fit.p()).isCloseTo(1.5, within(1e-9));
        assertThat(fit.c()).isCloseTo(3, within(1e-9));
        assertThat(fit.boundary(0.5)).isCloseTo(3 * Math.pow(0.5, 1.5), within(1e-9));
    }

    @Test
    void aGridPointWithZeroMeanIsTheCrossingAndOtherwiseTheFirstSignChangeCounts() {
        assertThat(PhaseBoundaryFit.crossing(Map.of(1e-4, -0.5, 1e-3, 0.0, 1e-2, 0.5)).getAsDouble()).isEqualTo(1e-3);
        // -0.2 at 1e-4, +0.2 at 1e-2: halfway in log γ is 1e-3; the later dip and rise are ignored.
        assertThat(PhaseBoundaryFit.crossing(Map.of(0.0, -1.0, 1e-4, -0.2, 1e-2, 0.2, 1e-1, -0.3, 1.0, 0.4)).getAsDouble())
            .isCloseTo(1e-3, within(1e-15));
        // γ = 0 never takes part: no log γ for it.
        assertThat(PhaseBoundaryFit.crossing(Map.of(0.0, -1.0, 1e-4, 0.2, 1e-3, 0.3))).isEmpty();
        assertThat(PhaseBoundaryFit.crossing(Map.of(1e-4, Double.NaN, 1e-3, -0.1, 1e-2, 0.1)).getAsDouble())
            .isCloseTo(Math.sqrt(1e-3 * 1e-2), within(1e-15));
    }

    @Test
    void theConfidenceIntervalOfPByHand() {
        // Crossings at ln σ = 0, 1, 2 and ln γ* = 0, 2.1, 3.9 (a = ln γ - ln γ*: log-linear, so exact).
        // dx = -1, 0, 1; dy = -2, 0.1, 1.9: Sxx = 2, Sxy = 3.9, p = 1.95, Syy = 7.62, SSE = 7.62 - 1.95 * 3.9 = 0.015,
        // SE = sqrt(0.015 / 1 / 2) = 0.0866, t(0.975, 1) = 12.706: CI 1.95 ± 1.1004.
        double[] lnGamma = {0, 2.1, 3.9};
        Map<Double, Map<Double, Double>> g = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            double target = lnGamma[i];
            g.put(Math.exp(i), new TreeMap<>());
            for (double y : logGrid(-1, 3, 4)) {
                if (y > 0) {
                    g.get(Math.exp(i)).put(y, Math.log(y) - target);
                }
            }
        }
        PhaseBoundaryFit.Result fit = PhaseBoundaryFit.fit(g);
        assertThat(fit.points()).isEqualTo(3);
        assertThat(fit.p()).isCloseTo(1.95, within(1e-9));
        assertThat(fit.standardError()).isCloseTo(Math.sqrt(0.0075), within(1e-9));
        assertThat(fit.pLow()).isCloseTo(1.95 - 12.706 * Math.sqrt(0.0075), within(1e-9));
        assertThat(fit.pHigh()).isCloseTo(1.95 + 12.706 * Math.sqrt(0.0075), within(1e-9));
        assertThat(fit.describe()).contains("p = 1.950, 95% CI [0.850, 3.050]").contains("3 points");
        assertThat(PhaseBoundaryFit.tQuantile975(5)).isEqualTo(2.571);
        assertThat(PhaseBoundaryFit.tQuantile975(120)).isCloseTo(1.98, within(0.001));
    }

    @Test
    void twoCrossingsHaveNoInterval() {
        var g = grid(List.of(0.1, 1.0), logGrid(-5, 2, 4), (s, y) -> Math.log(y / (3 * s * s)));
        PhaseBoundaryFit.Result fit = PhaseBoundaryFit.fit(g);
        assertThat(fit.hasInterval()).isFalse();
        assertThat(fit.pLow()).isNaN();
        assertThat(fit.describe()).doesNotContain("CI");
    }

    @Test
    void fewerThanTwoCrossingsGiveNoFit() {
        // Only σ = 0.1 crosses within the grid; σ = 1 stays anti-Hebbian.
        var g = grid(List.of(0.0, 0.1, 1.0), logGrid(-4, 0, 1), (s, y) -> -s * s + 0.5 * y);
        PhaseBoundaryFit.Result fit = PhaseBoundaryFit.fit(g);
        assertThat(fit.fitted()).isFalse();
        assertThat(fit.points()).isEqualTo(1);
        assertThat(fit.p()).isNaN();
        assertThat(fit.describe()).startsWith("not enough crossings to fit");
        assertThat(PhaseBoundaryFit.fit(Map.of()).describe()).startsWith("not enough crossings to fit");
    }
}
