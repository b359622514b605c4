package io.hebbscope.analyzer.plugin.examples;

import io.hebbscope.analyzer.plugin.AnalyzerPlugin;
import io.hebbscope.analyzer.plugin.AssembledLayerStep;
import io.hebbscope.analyzer.plugin.PluginContext;
import io.prometheus.metrics.core.metrics.Gauge;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How close a layer is to the stationarity condition of the paper's Eq. 9, {@code E[g] = γ W}: the expected
 * learning signal balances weight decay. E[g] is estimated by an EWMA of g over steps (weight
 * {@value #ALPHA} per step, about 50 steps of memory); γ is the run's weightDecay.
 * <ul>
 *   <li>{@code residual} = |ḡ - γW| / (|ḡ| + |γW|), in [0, 1]: 0 at stationarity;</li>
 *   <li>{@code cosine} = cos(ḡ, W): 1 at stationarity with γ > 0;</li>
 *   <li>{@code ratio} = |ḡ| / (γ |W|): 1 at stationarity (absent when γ = 0).</li>
 * </ul>
 */
public final class StationarityPlugin implements AnalyzerPlugin {
    static final double ALPHA = 0.02;
    private final Map<String, double[]> meanSignal = new HashMap<>();
    private Gauge residualGauge;

    @Override
    public String id() {
        return "stationarity";
    }

    @Override
    public boolean needsWeights() {
        return true;
    }

    @Override
    public void init(PluginContext context) {
        residualGauge = Gauge.builder().name("hebbscope_stationarity_residual")
            .help("|EWMA(g) - γW| / (|EWMA(g)| + |γW|): 0 when the layer satisfies E[g] = γW (Eq. 9)")
            .labelNames("run", "layer").register(context.registry());
    }

    @Override
    public Map<String, Double> analyze(AssembledLayerStep step) {
        double[] mean = meanSignal.get(step.runId() + "/" + step.layer());
        float[] g = step.signal();
        if (mean == null) {
            mean = new double[g.length];
            for (int i = 0; i < g.length; i++) {
                mean[i] = g[i];
            }
            meanSignal.put(step.runId() + "/" + step.layer(), mean);
        } else {
            for (int i = 0; i < g.length; i++) {
                mean[i] += ALPHA * (g[i] - mean[i]);
            }
        }
        double[] w = step.weights();
        if (w == null) {
            return Map.of();
        }
        double gamma = Double.parseDouble(step.config("weightDecay", "0"));
        double diff = 0;
        double gg = 0;
        double ww = 0;
        double gw = 0;
        for (int i = 0; i < mean.length; i++) {
            double d = mean[i] - gamma * w[i];
            diff += d * d;
            gg += mean[i] * mean[i];
            ww += w[i] * w[i];
            gw += mean[i] * w[i];
        }
        Map<String, Double> out = new LinkedHashMap<>();
        double scale = Math.sqrt(gg) + gamma * Math.sqrt(ww);
        if (scale > 0) {
            out.put("residual", Math.sqrt(diff) / scale);
            if (residualGauge != null) {
                residualGauge.labelValues(step.runId(), step.layer()).set(out.get("residual"));
            }
        }
        if (gg > 0 && ww > 0) {
            out.put("cosine", gw / Math.sqrt(gg * ww));
        }
        if (gamma > 0 && ww > 0) {
            out.put("ratio", Math.sqrt(gg) / (gamma * Math.sqrt(ww)));
        }
        return out;
    }
}
