package io.hebbscope.analyzer.detect;

import io.hebbscope.schema.PhaseKind;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The initial alignment bump of one layer, on its ordered series of layer alignments x_t.
 * <p>Smoothing: v_c is the mean of the last 2h+1 defined values, attributed to the centre step c (so it has no
 * lag; decisions come h steps after the step they refer to); over the first 2h values the window grows
 * symmetrically from 5 values, so a bump rising within the first h steps still has a baseline. Noise: sigma is
 * estimated from the mean absolute successive difference of x (sigma = 0.886 E|x_t - x_t-1| for Gaussian noise),
 * and the rise threshold is {@code thr = max(minRise, noiseFactor * sigma * sqrt((1/n + 1/n_b) / 2))}, n and n_b
 * the window sizes of the current value and of the baseline (1/sqrt(2h+1) once both are full).
 * <ul>
 *   <li>Baseline: the running minimum of v before the bump. <b>BUMP_START</b> (step = the baseline's step) when
 *       v rises to baseline + thr.</li>
 *   <li><b>BUMP_PEAK</b> (step = argmax of v) once v has fallen {@code peakDrop} of the height (peak - baseline)
 *       below the peak.</li>
 *   <li><b>BUMP_END</b> (step = the first centre step with v at or below baseline + endLevel * height).</li>
 * </ul>
 * At most one bump per run and layer (the paper's bump is the initial one). Undefined steps are skipped.
 */
public final class BumpDetector {
    static final int ARMED = 0;
    static final int RISING = 1;
    static final int FALLING = 2;
    static final int DONE = 3;
    /** The narrowest smoothing window used at the start of a series. */
    static final int MIN_WIDTH = 5;

    private final DetectorSettings settings;
    private final int width;
    private final double[] ring;
    private final long[] ringSteps;
    private int head;
    private long count;
    private double prev = Double.NaN;
    private double sumAbsDiff;
    private long diffs;
    private int phase = ARMED;
    private double baseline = Double.NaN;
    private long baselineStep = -1;
    private double peak = Double.NaN;
    private long peakStep = -1;
    private double threshold = Double.NaN;
    private int baselineWidth;

    public BumpDetector(DetectorSettings settings) {
        this.settings = settings;
        this.width = 2 * settings.bumpHalfWidth() + 1;
        this.ring = new double[width];
        this.ringSteps = new long[width];
    }

    public int phase() {
        return phase;
    }

    /** True between BUMP_START and BUMP_PEAK: the alignment is climbing in the bump. */
    public boolean rising() {
        return phase == RISING;
    }

    public List<Detection> offer(long step, Double x) {
        List<Detection> out = new ArrayList<>(1);
        if (x == null || !Double.isFinite(x)) {
            return out;
        }
        if (!Double.isNaN(prev)) {
            sumAbsDiff += Math.abs(x - prev);
            diffs++;
        }
        prev = x;
        ring[head] = x;
        ringSteps[head] = step;
        head = (head + 1) % width;
        count++;
        if (phase == DONE || count < Math.min(width, MIN_WIDTH) || (count < width && count % 2 == 0)) {
            return out;
        }
        // At the start the window grows symmetrically (2c+1 values around centre c) so that a bump rising within
        // the first h steps still has a baseline before it.
        int used = (int) Math.min(count, width);
        double sum = 0;
        for (int k = 0; k < used; k++) {
            sum += ring[(head - used + k + width) % width];
        }
        double v = sum / used;
        long centre = ringSteps[(head - used + used / 2 + width) % width];
        double sigma = diffs == 0 ? 0 : 0.8862 * sumAbsDiff / diffs;
        switch (phase) {
            case ARMED -> {
                if (Double.isNaN(baseline) || v < baseline) {
                    baseline = v;
                    baselineStep = centre;
                    baselineWidth = used;
                }
                // the standard error of the difference of the two window means
                double thr = Math.max(settings.bumpMinRise(),
                    settings.bumpNoiseFactor() * sigma * Math.sqrt((1.0 / used + 1.0 / baselineWidth) / 2));
                if (v - baseline >= thr) {
                    phase = RISING;
                    threshold = thr;
                    peak = v;
                    peakStep = centre;
                    out.add(new Detection(PhaseKind.BUMP_START, baselineStep, step, "bump",
                        Detection.values("baseline", baseline, "level", v, "levelStep", centre, "threshold", thr)));
                }
            }
            case RISING -> {
                if (v > peak) {
                    peak = v;
                    peakStep = centre;
                }
                double height = peak - baseline;
                if (v <= peak - settings.bumpPeakDrop() * height) {
                    phase = FALLING;
                    out.add(new Detection(PhaseKind.BUMP_PEAK, peakStep, step, "bump", Detection.values(
                        "peak", peak, "baseline", baseline, "height", height, "startStep", baselineStep,
                        "riseSteps", peakStep - baselineStep)));
                }
            }
            case FALLING -> {
                double height = peak - baseline;
                if (v <= baseline + settings.bumpEndLevel() * height) {
                    phase = DONE;
                    out.add(new Detection(PhaseKind.BUMP_END, centre, step, "bump", Detection.values(
                        "level", v, "peak", peak, "peakStep", peakStep, "startStep", baselineStep,
                        "durationSteps", centre - baselineStep)));
                }
            }
            default -> { }
        }
        return out;
    }

    void write(DataOutput out) throws IOException {
        out.writeInt(width);
        for (int i = 0; i < width; i++) {
            out.writeDouble(ring[i]);
            out.writeLong(ringSteps[i]);
        }
        out.writeInt(head);
        out.writeLong(count);
        out.writeDouble(prev);
        out.writeDouble(sumAbsDiff);
        out.writeLong(diffs);
        out.writeInt(phase);
        out.writeDouble(baseline);
        out.writeLong(baselineStep);
        out.writeDouble(peak);
        out.writeLong(peakStep);
        out.writeDouble(threshold);
        out.writeInt(baselineWidth);
    }

    static BumpDetector read(DataInput in, DetectorSettings settings) throws IOException {
        BumpDetector d = new BumpDetector(settings);
        int w = in.readInt();
        if (w != d.width) {
            throw new IOException("bump window changed from " + w + " to " + d.width);
        }
        for (int i = 0; i < w; i++) {
            d.ring[i] = in.readDouble();
            d.ringSteps[i] = in.readLong();
        }
        d.head = in.readInt();
        d.count = in.readLong();
        d.prev = in.readDouble();
        d.sumAbsDiff = in.readDouble();
        d.diffs = in.readLong();
        d.phase = in.readInt();
        d.baseline = in.readDouble();
        d.baselineStep = in.readLong();
        d.peak = in.readDouble();
        d.peakStep = in.readLong();
        d.threshold = in.readDouble();
        d.baselineWidth = in.readInt();
        return d;
    }
}
