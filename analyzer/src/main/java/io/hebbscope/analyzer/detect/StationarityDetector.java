package io.hebbscope.analyzer.detect;

import io.hebbscope.schema.PhaseKind;
import java.io.DataInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Stationarity of one layer over the window of the last N steps:
 * <ul>
 *   <li>meanUpdateRatio q = |sum_t U_t|_F / sum_t |U_t|_F, the numerator estimated from the update sketches
 *       ({@link UpdateSketch}). q is 1 for a steady drift and about 1/sqrt(N) for zero-mean updates.</li>
 *   <li>weightNormChange c = | |W|_t - |W|_t-N+1 | / |W|_t, from the weight norms the trainer publishes
 *       (skipped when it did not).</li>
 * </ul>
 * <b>STATIONARITY</b> is emitted when q &lt;= statMaxMeanRatio and c &lt;= statMaxNormChange have held for
 * statMinSteps consecutive steps (step = the first of them). The detector re-arms when q exceeds 1.5 x the
 * ratio bound or c twice the norm bound.
 */
public final class StationarityDetector {
    /** q and c of the current window (null where not measurable). */
    public record Stats(Double meanUpdateRatio, Double weightNormChange) {}

    private final DetectorSettings settings;
    private final int n;
    private final double[] sketches;
    private final double[] updateNorms;
    private final double[] weightNorms;
    private int head;
    private int fill;
    private int held;
    private long heldStart = -1;
    private boolean stationary;

    public StationarityDetector(DetectorSettings settings) {
        this.settings = settings;
        this.n = settings.window();
        this.sketches = new double[n * UpdateSketch.SIZE];
        this.updateNorms = new double[n];
        this.weightNorms = new double[n];
    }

    public boolean stationary() {
        return stationary;
    }

    /**
     * @param sketch     the step's update sketch; null (an old log) skips the step
     * @param weightNorm |W|_F after the step, negative when unknown
     */
    public Stats measure(double[] sketch, double updateNorm, double weightNorm) {
        if (sketch == null) {
            return null;
        }
        System.arraycopy(sketch, 0, sketches, head * UpdateSketch.SIZE, UpdateSketch.SIZE);
        updateNorms[head] = updateNorm;
        weightNorms[head] = weightNorm;
        head = (head + 1) % n;
        fill = Math.min(fill + 1, n);
        if (fill < n) {
            return new Stats(null, null);
        }
        double[] sum = new double[UpdateSketch.SIZE];
        double total = 0;
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < UpdateSketch.SIZE; k++) {
                sum[k] += sketches[t * UpdateSketch.SIZE + k];
            }
            total += updateNorms[t];
        }
        Double q = total > 0 ? Math.min(1.0, UpdateSketch.norm(sum) / total) : null;
        double oldest = weightNorms[head];
        double newest = weightNorms[(head - 1 + n) % n];
        Double c = oldest >= 0 && newest > 0 ? Math.abs(newest - oldest) / newest : null;
        return new Stats(q, c);
    }

    public List<Detection> offer(long step, Stats stats, double weightNorm, double updateNorm) {
        List<Detection> out = new ArrayList<>(1);
        if (stats == null || stats.meanUpdateRatio() == null) {
            return out;
        }
        double q = stats.meanUpdateRatio();
        Double c = stats.weightNormChange();
        boolean holds = q <= settings.statMaxMeanRatio() && (c == null || c <= settings.statMaxNormChange());
        if (holds) {
            if (held == 0) {
                heldStart = step;
            }
            held++;
            if (!stationary && held >= settings.statMinSteps()) {
                stationary = true;
                var values = Detection.values("meanUpdateRatio", q, "updateNorm", updateNorm);
                if (c != null) {
                    values.put("weightNormChange", c);
                }
                if (weightNorm >= 0) {
                    values.put("weightNorm", weightNorm);
                }
                out.add(new Detection(PhaseKind.STATIONARITY, heldStart, step, "stationarity", values));
            }
        } else {
            held = 0;
            if (stationary && (q > 1.5 * settings.statMaxMeanRatio()
                || (c != null && c > 2 * settings.statMaxNormChange()))) {
                stationary = false;
            }
        }
        return out;
    }

    void write(StateOutput out) throws IOException {
        out.writeInt(n);
        out.writeDoubles(sketches);
        for (int t = 0; t < n; t++) {
            out.writeDouble(updateNorms[t]);
            out.writeDouble(weightNorms[t]);
        }
        out.writeInt(head);
        out.writeInt(fill);
        out.writeInt(held);
        out.writeLong(heldStart);
        out.writeBoolean(stationary);
    }

    static StationarityDetector read(DataInput in, DetectorSettings settings) throws IOException {
        StationarityDetector d = new StationarityDetector(settings);
        int n = in.readInt();
        if (n != d.n) {
            throw new IOException("stationarity window changed from " + n + " to " + d.n);
        }
        byte[] bytes = new byte[d.sketches.length * Double.BYTES];
        in.readFully(bytes);
        BigEndian.doubles(bytes, d.sketches);
        for (int t = 0; t < n; t++) {
            d.updateNorms[t] = in.readDouble();
            d.weightNorms[t] = in.readDouble();
        }
        d.head = in.readInt();
        d.fill = in.readInt();
        d.held = in.readInt();
        d.heldStart = in.readLong();
        d.stationary = in.readBoolean();
        return d;
    }
}
