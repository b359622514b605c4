package io.hebbscope.analyzer.metrics;

import io.hebbscope.analyzer.alignment.LayerStepAlignment;
import io.prometheus.metrics.core.metrics.Gauge;
import java.util.List;

/** Per run and layer: the layer's alignment with the Hebbian term, its rolling value, and the norms of the terms. */
public final class LayerAlignmentMetrics {
    private static final String[] TERMS = {"gradient", "signal", "update", "hebbian"};

    public final Gauge layerAlignment;
    public final Gauge layerAlignmentEwma;
    public final Gauge layerNorm;

    LayerAlignmentMetrics(SeriesLifecycle series) {
        layerAlignment = series.perRun(Gauge.builder().name("hebbscope_layer_alignment")
            .help("cos(X, H) over the whole layer at the last analyzed step; signal is gradient (X = -dL/dW), signal (X = g) or update (X = U)")
            .labelNames("run", "layer", "signal").build());
        layerAlignmentEwma = series.perRun(Gauge.builder().name("hebbscope_layer_alignment_ewma")
            .help("EWMA over analyzed steps of hebbscope_layer_alignment (the rolling layer alignment)")
            .labelNames("run", "layer", "signal").build());
        layerNorm = series.perRun(Gauge.builder().name("hebbscope_layer_norm")
            .help("Frobenius norm over the layer at the last analyzed step; term is gradient, signal, update or hebbian")
            .labelNames("run", "layer", "term").build());
    }

    /** One analyzed layer step: alignment and EWMA per signal where defined, and every term's norm. */
    void analyzed(String run, String layer, LayerStepAlignment a, List<Double> layerEwma) {
        for (int s = 0; s < 3; s++) {
            String signal = LayerStepAlignment.SIGNALS[s];
            if (a.layer[s] != null) {
                layerAlignment.labelValues(run, layer, signal).set(a.layer[s]);
            }
            if (layerEwma.get(s) != null) {
                layerAlignmentEwma.labelValues(run, layer, signal).set(layerEwma.get(s));
            }
            layerNorm.labelValues(run, layer, TERMS[s]).set(a.norms[s]);
        }
        layerNorm.labelValues(run, layer, TERMS[3]).set(a.hebbianNorm);
    }
}
