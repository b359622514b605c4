package io.hebbscope.analyzer.plugin.examples;

import io.hebbscope.analyzer.alignment.Alignment;
import io.hebbscope.analyzer.plugin.AnalyzerPlugin;
import io.hebbscope.analyzer.plugin.AssembledLayerStep;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How far a rule's learning signal is from gradient descent: cos(g, -∇W) for the layer, and the mean over neurons
 * of the per-row cosine. 1 for SGD; for Hebb, Oja, DFA or RandomNN it shows how much of the rule's change
 * descends the task loss (the paper's claim 4: purely Hebbian rules do not align with the SGD gradient).
 */
public final class GradientAlignmentPlugin implements AnalyzerPlugin {

    @Override
    public String id() {
        return "gradient-alignment";
    }

    @Override
    public Map<String, Double> analyze(AssembledLayerStep step) {
        Map<String, Double> out = new LinkedHashMap<>();
        Double layer = Alignment.cosine(step.signal(), negate(step.gradient()), 1);
        if (layer != null) {
            out.put("layer", layer);
        }
        double sum = 0;
        int defined = 0;
        int cols = step.cols();
        for (int r = 0; r < step.rows(); r++) {
            float[] g = java.util.Arrays.copyOfRange(step.signal(), r * cols, (r + 1) * cols);
            float[] d = java.util.Arrays.copyOfRange(step.gradient(), r * cols, (r + 1) * cols);
            Double c = Alignment.cosine(g, d, -1);
            if (c != null) {
                sum += c;
                defined++;
            }
        }
        if (defined > 0) {
            out.put("neuron_mean", sum / defined);
        }
        return out;
    }

    private static float[] negate(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = -x[i];
        }
        return y;
    }
}
