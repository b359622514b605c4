package io.hebbscope.lab.sweep;

import java.util.Locale;

/** One run of a sweep: a point of the model x rule x γ x σ x learning-rate x seed grid. */
public record SweepPoint(String model, String rule, double weightDecay, double noise, double learningRate, long seed) {

    /** A run id that names the point, unique within the sweep. */
    public String runId(String sweepId) {
        return String.format(Locale.ROOT, "%s-%s-%s-g%s-s%s-lr%s-seed%d", sweepId, model, rule, number(weightDecay),
            number(noise), number(learningRate), seed);
    }

    static String number(double v) {
        String s = Double.toString(v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s.replace("E", "e");
    }
}
