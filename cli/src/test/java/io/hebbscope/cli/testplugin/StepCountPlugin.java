package io.hebbscope.cli.testplugin;

import io.hebbscope.analyzer.plugin.AnalyzerPlugin;
import io.hebbscope.analyzer.plugin.AssembledLayerStep;
import java.util.Map;

/** A plug-in shipped only inside a jar built by the test: reports the layer's mean Hebbian term. */
public final class StepCountPlugin implements AnalyzerPlugin {
    @Override
    public String id() {
        return "test-mean-hebbian";
    }

    @Override
    public Map<String, Double> analyze(AssembledLayerStep step) {
        double sum = 0;
        for (float v : step.hebbian()) {
            sum += v;
        }
        return Map.of("mean", sum / step.hebbian().length, "weightDecay", Double.parseDouble(step.config("weightDecay", "-1")));
    }
}
