package io.hebbscope.lab.report;

import java.awt.Color;
import java.awt.Paint;
import org.jfree.chart.renderer.PaintScale;

/**
 * A diverging color scale for alignment: -1 (anti-Hebbian) blue, 0 white, +1 (Hebbian) red, linear in between.
 * Values outside [-1, 1] are clamped; a non-finite value is gray.
 */
public final class AlignmentPaintScale implements PaintScale {
    static final Color NEGATIVE = new Color(33, 102, 172);
    static final Color POSITIVE = new Color(178, 24, 43);
    static final Color UNDEFINED = new Color(200, 200, 200);

    @Override
    public double getLowerBound() {
        return -1;
    }

    @Override
    public double getUpperBound() {
        return 1;
    }

    @Override
    public Paint getPaint(double value) {
        if (!Double.isFinite(value)) {
            return UNDEFINED;
        }
        double v = Math.max(-1, Math.min(1, value));
        Color end = v < 0 ? NEGATIVE : POSITIVE;
        double t = Math.abs(v);
        return new Color(mix(255, end.getRed(), t), mix(255, end.getGreen(), t), mix(255, end.getBlue(), t));
    }

    private static int mix(int from, int to, double t) {
        return (int) Math.round(from + (to - from) * t);
    }
}
