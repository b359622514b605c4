package io.hebbscope.analyzer.plugin.examples;

import io.hebbscope.analyzer.alignment.Alignment;
import io.hebbscope.analyzer.plugin.AnalyzerPlugin;
import io.hebbscope.analyzer.plugin.AssembledLayerStep;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Alignment with Oja's rule instead of plain Hebb: O = H - diag(E[h_i²]) W, the batch mean of Oja's
 * {@code h_i (a_j - h_i W_ij)}. Reports cos(g, O), cos(-∇W, O) and cos(U, O) for the layer: how much of the learning
 * looks like a Hebbian rule with Oja's built-in normalization. Needs W(step) and the per-neuron E[h_i²] the
 * trainer publishes with each layer step.
 */
public final class OjaAlignmentPlugin implements AnalyzerPlugin {

    @Override
    public String id() {
        return "oja-alignment";
    }

    @Override
    public boolean needsWeights() {
        return true;
    }

    @Override
    public Map<String, Double> analyze(AssembledLayerStep step) {
        if (step.weights() == null || step.outputSquareMean() == null) {
            return Map.of();
        }
        float[] oja = ojaDirection(step.hebbian(), step.weights(), step.outputSquareMean(), step.rows(), step.cols());
        Map<String, Double> out = new LinkedHashMap<>();
        put(out, "signal", Alignment.cosine(step.signal(), oja, 1));
        put(out, "gradient", Alignment.cosine(step.gradient(), oja, -1));
        put(out, "update", Alignment.cosine(step.update(), oja, 1));
        return out;
    }

    /** H - diag(m) W, row-major rows x cols. */
    static float[] ojaDirection(float[] hebbian, double[] weights, float[] squareMean, int rows, int cols) {
        float[] o = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                o[i] = (float) (hebbian[i] - squareMean[r] * weights[i]);
            }
        }
        return o;
    }

    private static void put(Map<String, Double> out, String key, Double value) {
        if (value != null) {
            out.put(key, value);
        }
    }
}
