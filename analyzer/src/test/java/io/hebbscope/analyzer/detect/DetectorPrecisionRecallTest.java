package io.hebbscope.analyzer.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.schema.PhaseKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Precision and recall of each detector, with its default settings, over many seeded synthetic series with
 * known ground truth, including series without the phenomenon (which must not trigger it). The numbers are
 * written to target/detector-evaluation.txt.
 * <p>The bars: every detector must be right far more often than a person skimming a dashboard would tolerate
 * false alarms for (precision >= 0.95), and find nearly every clear instance (recall >= 0.9) of phenomena
 * generated within the ranges the real runs show (bump heights 0.3-0.8 over noise up to 0.15, magnitude shifts
 * by 2.5-6x, oscillation amplitudes 0.6-0.95 in 30-90% of the neurons, drifts of 0.57-0.95 in q).
 */
class DetectorPrecisionRecallTest {
    private static final int LENGTH = 400;
    private static final int SERIES = 300;
    private static final List<String> REPORT = new ArrayList<>();
    private final DetectorSettings settings = DetectorSettings.DEFAULTS;

    @AfterAll
    static void write() throws IOException {
        Path out = Path.of("target", "detector-evaluation.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, REPORT);
    }

    private static void report(String format, Object... args) {
        REPORT.add(String.format(Locale.ROOT, format, args));
    }

    /** True positives, false positives, misses; precision and recall. */
    private record Score(int tp, int fp, int fn) {
        double precision() {
            return tp + fp == 0 ? 1 : (double) tp / (tp + fp);
        }

        double recall() {
            return tp + fn == 0 ? 1 : (double) tp / (tp + fn);
        }
    }

    @Test
    void bumpPeaksAreFoundAtTheRightStepAndNeverInSeriesWithoutABump() {
        Random r = new Random(11);
        int tp = 0;
        int fp = 0;
        int fn = 0;
        double peakError = 0;
        double startLag = 0;
        int ends = 0;
        for (int k = 0; k < SERIES; k++) {
            SyntheticSeries.Bump b = SyntheticSeries.bump(r, LENGTH);
            BumpDetector d = new BumpDetector(settings);
            List<Detection> found = new ArrayList<>();
            for (int t = 0; t < LENGTH; t++) {
                found.addAll(d.offer(t, b.x()[t]));
            }
            double fwhm = 1.1774 * (b.riseWidth() + b.fallWidth());
            double tolerance = Math.max(10, 0.2 * fwhm);
            List<Detection> peaks = found.stream().filter(e -> e.kind() == PhaseKind.BUMP_PEAK).toList();
            boolean hit = false;
            for (Detection p : peaks) {
                if (!hit && Math.abs(p.step() - b.peak()) <= tolerance) {
                    hit = true;
                    tp++;
                    peakError += Math.abs(p.step() - b.peak());
                } else {
                    fp++;
                }
            }
            if (!hit) {
                fn++;
            }
            for (Detection e : found) {
                if (e.kind() == PhaseKind.BUMP_START) {
                    startLag += e.decidedAtStep() - b.peak();
                }
                if (e.kind() == PhaseKind.BUMP_END) {
                    ends++;
                }
            }
        }
        int negatives = 0;
        for (int k = 0; k < SERIES; k++) {
            double[] x = SyntheticSeries.noBump(r, LENGTH, k);
            BumpDetector d = new BumpDetector(settings);
            for (int t = 0; t < LENGTH; t++) {
                for (Detection e : d.offer(t, x[t])) {
                    if (e.kind() == PhaseKind.BUMP_PEAK) {
                        fp++;
                        negatives++;
                    }
                }
            }
        }
        Score s = new Score(tp, fp, fn);
        report("bump: %d series with a bump, %d without; peak within max(10, 0.2 FWHM) steps: precision %.3f, recall %.3f;"
                + " mean |peak step error| %.1f; BUMP_START decided on average %.1f steps before the true peak; BUMP_END in %d;"
                + " peaks in series without a bump: %d",
            SERIES, SERIES, s.precision(), s.recall(), peakError / Math.max(1, tp), -startLag / SERIES, ends, negatives);
        assertThat(negatives).as("bump peaks in series without a bump").isZero();
        assertThat(s.precision()).isGreaterThanOrEqualTo(0.95);
        assertThat(s.recall()).isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void magnitudeShiftsAreFoundAtTheirStepAndConstantRegimesNeverTrigger() {
        Random r = new Random(12);
        int tp = 0;
        int fp = 0;
        int fn = 0;
        double error = 0;
        for (int k = 0; k < SERIES; k++) {
            SyntheticSeries.Shift sh = SyntheticSeries.shift(r, LENGTH);
            PhaseChangeDetector d = new PhaseChangeDetector(settings);
            List<Detection> found = new ArrayList<>();
            for (int t = 0; t < LENGTH; t++) {
                found.addAll(d.offer(t, sh.x()[t], false));
            }
            boolean hit = false;
            for (Detection e : found) {
                if (!hit && Math.abs(e.step() - sh.change()) <= 8) {
                    hit = true;
                    tp++;
                    error += Math.abs(e.step() - sh.change());
                } else {
                    fp++;
                }
            }
            if (!hit) {
                fn++;
            }
        }
        int negatives = 0;
        for (int k = 0; k < SERIES; k++) {
            double[] x = SyntheticSeries.noShift(r, LENGTH);
            PhaseChangeDetector d = new PhaseChangeDetector(settings);
            for (int t = 0; t < LENGTH; t++) {
                negatives += d.offer(t, x[t], false).size();
            }
        }
        fp += negatives;
        Score s = new Score(tp, fp, fn);
        report("phase change: %d shifts, %d constant regimes; change within 8 steps: precision %.3f, recall %.3f;"
                + " mean |step error| %.1f; detections in constant regimes: %d",
            SERIES, SERIES, s.precision(), s.recall(), error / Math.max(1, tp), negatives);
        assertThat(negatives).isZero();
        assertThat(s.precision()).isGreaterThanOrEqualTo(0.95);
        assertThat(s.recall()).isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void oscillationsAreFoundWithTheirShareAndPeriodAndPersistentRolesNeverTrigger() {
        Random r = new Random(13);
        int rows = 48;
        int length = 300;
        int series = 100;
        int tp = 0;
        int fp = 0;
        int fn = 0;
        double shareError = 0;
        double periodError = 0;
        double amplitudeError = 0;
        int n = settings.window();
        for (int k = 0; k < series; k++) {
            SyntheticSeries.Oscillation o = SyntheticSeries.oscillation(r, rows, length);
            List<Detection> found = new ArrayList<>();
            OscillationDetector.Stats last = run(o.a(), rows, found);
            boolean hit = false;
            for (Detection e : found) {
                if (!hit && e.decidedAtStep() >= o.onset() && e.decidedAtStep() <= o.onset() + 2 * n) {
                    hit = true;
                    tp++;
                } else {
                    fp++;
                }
            }
            if (!hit) {
                fn++;
            } else {
                shareError += Math.abs(last.share() - o.share());
                periodError += Math.abs(last.period() - o.period()) / o.period();
                amplitudeError += Math.abs(last.amplitude() - o.amplitude());
            }
        }
        int negatives = 0;
        for (int k = 0; k < series; k++) {
            List<Detection> found = new ArrayList<>();
            run(SyntheticSeries.noOscillation(r, rows, length, k), rows, found);
            negatives += found.size();
        }
        fp += negatives;
        Score s = new Score(tp, fp, fn);
        report("oscillation: %d layers of %d neurons with oscillations, %d without; onset decided within 2N steps:"
                + " precision %.3f, recall %.3f; at the end mean |share error| %.3f, mean relative period error %.3f,"
                + " mean |amplitude error| %.3f; detections without oscillations: %d",
            series, rows, series, s.precision(), s.recall(), shareError / Math.max(1, tp), periodError / Math.max(1, tp),
            amplitudeError / Math.max(1, tp), negatives);
        assertThat(negatives).isZero();
        assertThat(s.precision()).isGreaterThanOrEqualTo(0.95);
        assertThat(s.recall()).isGreaterThanOrEqualTo(0.9);
        assertThat(shareError / tp).isLessThan(0.1);
        assertThat(periodError / tp).isLessThan(0.15);
    }

    private OscillationDetector.Stats run(double[][] a, int rows, List<Detection> found) {
        NeuronWindows w = new NeuronWindows(rows, settings.window());
        OscillationDetector d = new OscillationDetector(settings);
        boolean[][] defined = new boolean[3][rows];
        for (boolean[] row : defined) {
            java.util.Arrays.fill(row, true);
        }
        OscillationDetector.Stats stats = null;
        for (int t = 0; t < a.length; t++) {
            w.push(t, new double[][] {a[t], a[t], a[t]}, defined);
            stats = d.measure(w);
            found.addAll(d.offer(t, w, stats));
        }
        return stats;
    }

    @Test
    void stationarityIsFoundAfterTheDriftStopsAndNeverDuringADrift() {
        Random r = new Random(14);
        int series = 150;
        int tp = 0;
        int fp = 0;
        int fn = 0;
        double lag = 0;
        int n = settings.window();
        for (int k = 0; k < series; k++) {
            int stop = 60 + r.nextInt(200);
            List<Detection> found = simulate(r, 400, stop);
            boolean hit = false;
            for (Detection e : found) {
                if (!hit && e.step() >= stop && e.decidedAtStep() <= stop + 2 * n + settings.statMinSteps()) {
                    hit = true;
                    tp++;
                    lag += e.decidedAtStep() - stop;
                } else {
                    fp++;
                }
            }
            if (!hit) {
                fn++;
            }
        }
        int negatives = 0;
        for (int k = 0; k < series; k++) {
            negatives += simulate(r, 400, Integer.MAX_VALUE).size();
        }
        fp += negatives;
        Score s = new Score(tp, fp, fn);
        report("stationarity: %d simulated runs whose drift stops, %d that keep drifting; onset decided within"
                + " 2N + minSteps steps: precision %.3f, recall %.3f; mean decision lag %.1f steps; detections while drifting: %d",
            series, series, s.precision(), s.recall(), lag / Math.max(1, tp), negatives);
        assertThat(negatives).isZero();
        assertThat(s.precision()).isGreaterThanOrEqualTo(0.95);
        assertThat(s.recall()).isGreaterThanOrEqualTo(0.9);
    }

    /**
     * A 16x16 layer: until {@code stop} the update is a steady drift plus noise (drift-to-noise ratio 0.7-3, so
     * q is 0.57-0.95) with the weight norm growing; from {@code stop} it is an Ornstein-Uhlenbeck pull back to
     * where W was plus noise (zero mean update, flat norm).
     */
    private List<Detection> simulate(Random r, int length, int stop) {
        int rows = 16;
        int cols = 16;
        int size = rows * cols;
        double sigma = 0.01;
        double rho = 0.7 + 2.3 * r.nextDouble();
        double[] w = new double[size];
        double[] dir = new double[size];
        double dn = 0;
        for (int i = 0; i < size; i++) {
            w[i] = r.nextGaussian();
            dir[i] = r.nextGaussian();
            dn += dir[i] * dir[i];
        }
        dn = Math.sqrt(dn);
        double mu = rho * sigma * Math.sqrt(size) / dn;
        double[] anchor = null;
        StationarityDetector d = new StationarityDetector(settings);
        List<Detection> found = new ArrayList<>();
        float[] u = new float[size];
        for (int t = 0; t < length; t++) {
            if (t == stop) {
                anchor = w.clone();
            }
            double un = 0;
            double wn = 0;
            for (int i = 0; i < size; i++) {
                double v = anchor == null ? mu * dir[i] + sigma * r.nextGaussian()
                    : -0.2 * (w[i] - anchor[i]) + sigma * r.nextGaussian();
                u[i] = (float) v;
                w[i] += u[i];
                un += (double) u[i] * u[i];
                wn += w[i] * w[i];
            }
            double[] sketch = UpdateSketch.of(u, 0, rows, cols);
            StationarityDetector.Stats stats = d.measure(sketch, Math.sqrt(un), Math.sqrt(wn));
            found.addAll(d.offer(t, stats, Math.sqrt(wn), Math.sqrt(un)));
        }
        return found;
    }
}
