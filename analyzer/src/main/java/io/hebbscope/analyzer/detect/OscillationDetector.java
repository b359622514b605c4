package io.hebbscope.analyzer.detect;

import io.hebbscope.schema.PhaseKind;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Steady-state oscillations of the per-neuron full-update alignment a_i = cos(U_i, H_i), over the window of
 * the last N steps (once full).
 * <ul>
 *   <li>A neuron is eligible when at least 3/4 of its window is defined. Its strong values are those with
 *       |a| >= oscStrong; its flips are the sign changes between consecutive strong values. It oscillates when
 *       it has at least oscMinFlips flips (so it went strongly Hebbian and strongly anti-Hebbian repeatedly).</li>
 *   <li>share = oscillating / eligible neurons; flipRate = mean flips per step of the oscillating neurons;
 *       period = N / k* steps (times the step spacing), k* the peak (parabolically interpolated) of their mean
 *       periodogram over k = 1..N/2; amplitude = their mean half peak-to-peak (max - min)/2; meanAlignment = the
 *       mean of their window means (near zero when the mean full update is).</li>
 *   <li><b>OSCILLATION</b> is emitted when share first reaches oscMinShare (step = the window's first step);
 *       the detector re-arms once share falls below oscExitShare.</li>
 * </ul>
 */
public final class OscillationDetector {
    /** Measurements of one window; null fields where no neuron oscillates. */
    public record Stats(double share, int oscillating, int eligible, Double flipRate, Double period, Double amplitude,
                        Double meanAlignment) {}

    /**
     * The periodogram's cosines and sines per window length, {@code [k * n + t]}: computed once instead of at every
     * step (thousands of Math.cos and Math.sin calls per layer and step were most of this detector's time).
     */
    private static final Map<Integer, double[][]> TABLES = new ConcurrentHashMap<>();

    private final DetectorSettings settings;
    private boolean oscillating;

    public OscillationDetector(DetectorSettings settings) {
        this.settings = settings;
    }

    public boolean oscillating() {
        return oscillating;
    }

    private static double[][] table(int n) {
        int half = n / 2;
        double[] cos = new double[n * (half + 1)];
        double[] sin = new double[n * (half + 1)];
        for (int k = 1; k <= half; k++) {
            for (int t = 0; t < n; t++) {
                double phi = 2 * Math.PI * k * t / n;
                cos[k * n + t] = Math.cos(phi);
                sin[k * n + t] = Math.sin(phi);
            }
        }
        return new double[][] {cos, sin};
    }

    /** Measures the window; null until it is full or when no neuron is eligible. */
    public Stats measure(NeuronWindows w) {
        if (!w.full()) {
            return null;
        }
        int n = w.length();
        int half = n / 2;
        double[] power = new double[half + 1];
        double[][] table = TABLES.computeIfAbsent(n, OscillationDetector::table);
        double[] cos = table[0];
        double[] sin = table[1];
        int eligible = 0;
        int osc = 0;
        double flipSum = 0;
        double stdSum = 0;
        double meanSum = 0;
        double[] x = new double[n];
        for (int i = 0; i < w.rows(); i++) {
            int defined = 0;
            int flips = 0;
            int lastSign = 0;
            double sum = 0;
            for (int t = 0; t < n; t++) {
                double a = w.get(i, NeuronWindows.UPDATE, t);
                x[t] = a;
                if (Double.isNaN(a)) {
                    continue;
                }
                defined++;
                sum += a;
                if (Math.abs(a) >= settings.oscStrong()) {
                    int sign = a > 0 ? 1 : -1;
                    if (lastSign != 0 && sign != lastSign) {
                        flips++;
                    }
                    lastSign = sign;
                }
            }
            if (defined * 4 < n * 3) {
                continue;
            }
            eligible++;
            if (flips < settings.oscMinFlips()) {
                continue;
            }
            osc++;
            flipSum += flips;
            double mean = sum / defined;
            double var = 0;
            for (int t = 0; t < n; t++) {
                x[t] = Double.isNaN(x[t]) ? 0 : x[t] - mean;
                var += x[t] * x[t];
            }
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) {
                double a = w.get(i, NeuronWindows.UPDATE, t);
                if (!Double.isNaN(a)) {
                    lo = Math.min(lo, a);
                    hi = Math.max(hi, a);
                }
            }
            stdSum += (hi - lo) / 2;
            meanSum += mean;
            for (int k = 1; k <= half; k++) {
                double re = 0;
                double im = 0;
                for (int t = 0; t < n; t++) {
                    re += x[t] * cos[k * n + t];
                    im += x[t] * sin[k * n + t];
                }
                power[k] += re * re + im * im;
            }
        }
        if (eligible == 0) {
            return null;
        }
        double share = (double) osc / eligible;
        if (osc == 0) {
            return new Stats(share, 0, eligible, null, null, null, null);
        }
        double spacing = (double) (w.step(n - 1) - w.step(0)) / (n - 1);
        int best = 1;
        for (int k = 2; k <= half; k++) {
            if (power[k] > power[best]) {
                best = k;
            }
        }
        double kHat = best;
        if (best > 1 && best < half) {
            double denom = power[best - 1] - 2 * power[best] + power[best + 1];
            if (denom < 0) {
                kHat = best + 0.5 * (power[best - 1] - power[best + 1]) / denom;
            }
        }
        double flipsPerStep = flipSum / osc / ((n - 1) * spacing);
        return new Stats(share, osc, eligible, flipsPerStep, n / kHat * spacing, stdSum / osc,
            meanSum / osc);
    }

    /** Measures the window and decides. */
    public List<Detection> offer(long step, NeuronWindows w, Stats stats) {
        List<Detection> out = new ArrayList<>(1);
        if (stats == null) {
            return out;
        }
        if (!oscillating && stats.share() >= settings.oscMinShare()) {
            oscillating = true;
            out.add(new Detection(PhaseKind.OSCILLATION, w.step(0), step, "oscillation", Detection.values(
                "share", stats.share(), "neurons", stats.oscillating(), "flipRate", stats.flipRate(),
                "period", stats.period(), "amplitude", stats.amplitude(), "meanAlignment", stats.meanAlignment())));
        } else if (oscillating && stats.share() < settings.oscExitShare()) {
            oscillating = false;
        }
        return out;
    }

    void write(DataOutput out) throws IOException {
        out.writeBoolean(oscillating);
    }

    static OscillationDetector read(DataInput in, DetectorSettings settings) throws IOException {
        OscillationDetector d = new OscillationDetector(settings);
        d.oscillating = in.readBoolean();
        return d;
    }
}
