package io.hebbscope.analyzer.detect;

import java.util.Random;

/** Generators of synthetic alignment series with known ground truth, seeded. */
final class SyntheticSeries {
    private SyntheticSeries() {}

    static double clip(double x) {
        return Math.max(-1, Math.min(1, x));
    }

    /** A bump: truth = peak step, rise/fall widths. */
    record Bump(double[] x, int peak, double riseWidth, double fallWidth, double height, double noise) {}

    static Bump bump(Random r, int length) {
        double base = -0.3 + 0.6 * r.nextDouble();
        int peak = 40 + r.nextInt(200);
        double rise = 5 + 25 * r.nextDouble();
        double fall = 15 + 45 * r.nextDouble();
        double height = 0.3 + 0.5 * r.nextDouble();
        double noise = 0.02 + 0.13 * r.nextDouble();
        double[] x = new double[length];
        for (int t = 0; t < length; t++) {
            double s = t < peak ? rise : fall;
            double d = (t - peak) / s;
            x[t] = clip(base + height * Math.exp(-0.5 * d * d) + noise * r.nextGaussian());
        }
        return new Bump(x, peak, rise, fall, height, noise);
    }

    /** No bump: flat, a slow monotone rise (no fall), or a step down; same noise levels. */
    static double[] noBump(Random r, int length, int variant) {
        double base = -0.3 + 0.6 * r.nextDouble();
        double noise = 0.02 + 0.13 * r.nextDouble();
        double amount = 0.3 + 0.4 * r.nextDouble();
        int at = 50 + r.nextInt(200);
        double[] x = new double[length];
        for (int t = 0; t < length; t++) {
            double level = switch (variant % 3) {
                case 0 -> base;
                case 1 -> base + amount / (1 + Math.exp(-(t - at) / 40.0));
                default -> t < at ? base + amount : base;
            };
            x[t] = clip(level + noise * r.nextGaussian());
        }
        return x;
    }

    /** A shift of the alignment magnitude at {@code change}, by a factor of 2.5-6 up or down. */
    record Shift(double[] x, int change, double before, double after) {}

    static Shift shift(Random r, int length) {
        double low = 0.03 + 0.15 * r.nextDouble();
        double factor = 2.5 + 3.5 * r.nextDouble();
        double high = Math.min(0.95, Math.max(low * factor, low + 0.25));
        boolean up = r.nextBoolean();
        double before = up ? low : high;
        double after = up ? high : low;
        int change = 80 + r.nextInt(240);
        double noise = 0.02 + 0.08 * r.nextDouble();
        double sign = r.nextBoolean() ? 1 : -1;
        double[] x = new double[length];
        for (int t = 0; t < length; t++) {
            x[t] = clip(sign * (t < change ? before : after) + noise * r.nextGaussian());
        }
        return new Shift(x, change, before, after);
    }

    static double[] noShift(Random r, int length) {
        double level = 0.03 + 0.9 * r.nextDouble();
        double noise = 0.02 + 0.08 * r.nextDouble();
        double sign = r.nextBoolean() ? 1 : -1;
        double[] x = new double[length];
        for (int t = 0; t < length; t++) {
            x[t] = clip(sign * level + noise * r.nextGaussian());
        }
        return x;
    }

    /** Per-neuron update alignment: a share of the neurons start oscillating at {@code onset}. */
    record Oscillation(double[][] a, int onset, double share, double period, double amplitude) {}

    static Oscillation oscillation(Random r, int rows, int length) {
        int onset = 50 + r.nextInt(150);
        double share = 0.3 + 0.6 * r.nextDouble();
        double period = 3 + 9 * r.nextDouble();
        double amplitude = 0.6 + 0.35 * r.nextDouble();
        double noise = 0.02 + 0.08 * r.nextDouble();
        int oscillating = (int) Math.round(share * rows);
        double[][] a = new double[length][rows];
        for (int i = 0; i < rows; i++) {
            double role = (r.nextBoolean() ? 1 : -1) * (0.2 + 0.5 * r.nextDouble());
            double phase = 2 * Math.PI * r.nextDouble();
            for (int t = 0; t < length; t++) {
                double v = i < oscillating && t >= onset
                    ? amplitude * Math.sin(2 * Math.PI * t / period + phase) : role;
                a[t][i] = clip(v + noise * r.nextGaussian());
            }
        }
        return new Oscillation(a, onset, (double) oscillating / rows, period, amplitude);
    }

    /** No oscillation: persistent roles (some neurons switch role once), or weak noise around zero. */
    static double[][] noOscillation(Random r, int rows, int length, int variant) {
        double[][] a = new double[length][rows];
        double noise = 0.02 + 0.13 * r.nextDouble();
        for (int i = 0; i < rows; i++) {
            double role = (r.nextBoolean() ? 1 : -1) * (0.2 + 0.6 * r.nextDouble());
            int switchAt = r.nextInt(2 * length);
            for (int t = 0; t < length; t++) {
                double v = variant % 2 == 0 ? (t < switchAt ? role : -role) : 0.0;
                a[t][i] = clip(v + noise * r.nextGaussian());
            }
        }
        return a;
    }
}
