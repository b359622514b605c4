package io.hebbscope.analyzer.detect;

import io.hebbscope.schema.PhaseKind;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A shift of the alignment magnitude regime, on the ordered series m_t = |x_t|. Over the last 2W defined
 * values, A is the mean of the first W and B of the last W. A change holds when
 * {@code (max(A,B)+0.02)/(min(A,B)+0.02) >= minRatio}, {@code |B-A| >= minShift} and
 * {@code |B-A| >= z * sqrt((var A + var B)/W)}. While it holds the split with the largest |B-A| is tracked;
 * <b>PHASE_CHANGE</b> is emitted W/2 steps after that best split stopped improving, with step = the first step of
 * the B half (where the new regime starts). Then the buffer restarts, so changes are at least 2W steps apart.
 * While the bump detector is rising, upward shifts are the bump's rise and are not reported.
 */
public final class PhaseChangeDetector {
    private static final double FLOOR = 0.02;

    private final DetectorSettings settings;
    private final int w;
    private final double[] ring;
    private final long[] ringSteps;
    private int head;
    private int fill;
    private boolean active;
    private double best;
    private long bestStep;
    private double bestA;
    private double bestB;
    private int sinceBest;

    public PhaseChangeDetector(DetectorSettings settings) {
        this.settings = settings;
        this.w = settings.phaseWindow();
        this.ring = new double[2 * w];
        this.ringSteps = new long[2 * w];
    }

    public List<Detection> offer(long step, Double x, boolean suppressUp) {
        List<Detection> out = new ArrayList<>(1);
        if (x == null || !Double.isFinite(x)) {
            return out;
        }
        ring[head] = Math.abs(x);
        ringSteps[head] = step;
        head = (head + 1) % ring.length;
        fill = Math.min(fill + 1, ring.length);
        if (fill < ring.length) {
            return out;
        }
        double a = 0;
        double b = 0;
        for (int k = 0; k < w; k++) {
            a += ring[(head + k) % ring.length];
            b += ring[(head + w + k) % ring.length];
        }
        a /= w;
        b /= w;
        double va = 0;
        double vb = 0;
        for (int k = 0; k < w; k++) {
            double da = ring[(head + k) % ring.length] - a;
            double db = ring[(head + w + k) % ring.length] - b;
            va += da * da;
            vb += db * db;
        }
        va /= Math.max(1, w - 1);
        vb /= Math.max(1, w - 1);
        double shift = Math.abs(b - a);
        double ratio = (Math.max(a, b) + FLOOR) / (Math.min(a, b) + FLOOR);
        boolean holds = ratio >= settings.phaseMinRatio() && shift >= settings.phaseMinShift()
            && shift >= settings.phaseZ() * Math.sqrt((va + vb) / w) && !(suppressUp && b > a);
        if (holds && (!active || shift > best)) {
            active = true;
            best = shift;
            bestStep = ringSteps[(head + w) % ring.length];
            bestA = a;
            bestB = b;
            sinceBest = 0;
        } else if (active) {
            sinceBest++;
        }
        if (active && sinceBest >= w / 2) {
            out.add(new Detection(PhaseKind.PHASE_CHANGE, bestStep, step, "phase-change", Detection.values(
                "before", bestA, "after", bestB, "ratio", (Math.max(bestA, bestB) + FLOOR) / (Math.min(bestA, bestB) + FLOOR),
                "direction", bestB > bestA ? 1 : -1)));
            active = false;
            fill = 0;
        }
        return out;
    }

    void write(DataOutput out) throws IOException {
        out.writeInt(w);
        for (int i = 0; i < ring.length; i++) {
            out.writeDouble(ring[i]);
            out.writeLong(ringSteps[i]);
        }
        out.writeInt(head);
        out.writeInt(fill);
        out.writeBoolean(active);
        out.writeDouble(best);
        out.writeLong(bestStep);
        out.writeDouble(bestA);
        out.writeDouble(bestB);
        out.writeInt(sinceBest);
    }

    static PhaseChangeDetector read(DataInput in, DetectorSettings settings) throws IOException {
        PhaseChangeDetector d = new PhaseChangeDetector(settings);
        int w = in.readInt();
        if (w != d.w) {
            throw new IOException("phase window changed from " + w + " to " + d.w);
        }
        for (int i = 0; i < d.ring.length; i++) {
            d.ring[i] = in.readDouble();
            d.ringSteps[i] = in.readLong();
        }
        d.head = in.readInt();
        d.fill = in.readInt();
        d.active = in.readBoolean();
        d.best = in.readDouble();
        d.bestStep = in.readLong();
        d.bestA = in.readDouble();
        d.bestB = in.readDouble();
        d.sinceBest = in.readInt();
        return d;
    }
}
