package io.hebbscope.analyzer.metrics;

import io.hebbscope.analyzer.alignment.LayerStepAlignment;
import io.hebbscope.analyzer.alignment.Roles;
import io.hebbscope.schema.PhaseEvent;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;

/**
 * Every metric the analyzer exports, declared once. Label sets stay bounded: per-neuron series exist
 * only for layers up to {@code maxNeuronSeriesWidth} neurons; wider layers are seen through the histogram.
 */
public final class AnalyzerMetrics {
    /** Buckets of neuron alignment, [-1, 1] in steps of 0.1, for Grafana heatmaps. */
    static final double[] ALIGNMENT_BUCKETS = buckets();

    public final Gauge layerAlignment;
    public final Gauge layerAlignmentEwma;
    public final Histogram neuronAlignment;
    public final Gauge neuronAlignmentEwma;
    public final Gauge neuronRoles;
    public final Gauge analyzedStep;
    public final Gauge trainLoss;
    public final Gauge validationLoss;
    public final Gauge weightNorm;
    public final Counter recordsProcessed;
    public final Counter deadLetters;
    public final Counter duplicateBlocks;
    public final Counter skippedSteps;
    public final Gauge analysisLag;
    public final Counter phaseEvents;
    public final Gauge phaseLastStep;
    private final int maxNeuronSeriesWidth;
    private final PrometheusRegistry registry;

    public AnalyzerMetrics(PrometheusRegistry registry, int maxNeuronSeriesWidth) {
        this.registry = registry;
        this.maxNeuronSeriesWidth = maxNeuronSeriesWidth;
        layerAlignment = Gauge.builder().name("hebbscope_layer_alignment")
            .help("cos(X, H) over the whole layer at the last analyzed step; signal is gradient (-dL/dW), signal (g) or update (U)")
            .labelNames("run", "layer", "signal").register(registry);
        layerAlignmentEwma = Gauge.builder().name("hebbscope_layer_alignment_ewma")
            .help("EWMA over steps of the layer alignment")
            .labelNames("run", "layer", "signal").register(registry);
        neuronAlignment = Histogram.builder().name("hebbscope_neuron_alignment")
            .help("Per-neuron alignment cos(X_i, H_i), one observation per neuron and analyzed step")
            .classicOnly().classicUpperBounds(ALIGNMENT_BUCKETS).labelNames("run", "layer", "signal").register(registry);
        neuronAlignmentEwma = Gauge.builder().name("hebbscope_neuron_alignment_ewma")
            .help("EWMA of the per-neuron signal alignment; only for layers up to the per-neuron width limit")
            .labelNames("run", "layer", "neuron").register(registry);
        neuronRoles = Gauge.builder().name("hebbscope_neurons")
            .help("Neurons per role (hebbian, anti_hebbian, neutral, undefined) by the rolling signal alignment")
            .labelNames("run", "layer", "role").register(registry);
        analyzedStep = Gauge.builder().name("hebbscope_analyzed_step")
            .help("Last training step analyzed").labelNames("run", "layer").register(registry);
        trainLoss = Gauge.builder().name("hebbscope_train_loss")
            .help("Training loss of the last step's batch").labelNames("run").register(registry);
        validationLoss = Gauge.builder().name("hebbscope_validation_loss")
            .help("Validation loss at the last epoch end").labelNames("run").register(registry);
        weightNorm = Gauge.builder().name("hebbscope_weight_norm")
            .help("Frobenius norm of a layer's weights").labelNames("run", "layer").register(registry);
        recordsProcessed = Counter.builder().name("hebbscope_records_processed_total")
            .help("Records the analyzer read, by topic").labelNames("topic").register(registry);
        deadLetters = Counter.builder().name("hebbscope_dead_letters_total")
            .help("Records sent to the dead-letter topic, by topic and reason category").labelNames("topic", "reason").register(registry);
        duplicateBlocks = Counter.builder().name("hebbscope_duplicate_blocks_total")
            .help("LayerStep blocks seen again (or after their step was emitted) and ignored").labelNames("run", "layer").register(registry);
        skippedSteps = Counter.builder().name("hebbscope_skipped_steps_total")
            .help("Steps given up on because a block never arrived").labelNames("run", "layer").register(registry);
        analysisLag = Gauge.builder().name("hebbscope_analysis_lag_seconds")
            .help("Time from the trainer publishing a layer step to the analyzer finishing it").labelNames("run", "layer")
            .register(registry);
        phaseEvents = Counter.builder().name("hebbscope_phase_events_total")
            .help("Phase events detected, by kind").labelNames("run", "layer", "kind").register(registry);
        phaseLastStep = Gauge.builder().name("hebbscope_phase_last_step")
            .help("Training step of the latest phase event of each kind").labelNames("run", "layer", "kind").register(registry);
    }

    /** Exports one analyzed layer step. {@code signalEwma} holds NaN for neurons never defined. */
    public void layerStepAnalyzed(String runId, String layer, long step, long publishedAtMs, LayerStepAlignment a,
                                  List<Double> layerEwma, double[] signalEwma, Roles roles) {
        for (int s = 0; s < 3; s++) {
            String signal = LayerStepAlignment.SIGNALS[s];
            if (a.layer[s] != null) {
                layerAlignment.labelValues(runId, layer, signal).set(a.layer[s]);
            }
            if (layerEwma.get(s) != null) {
                layerAlignmentEwma.labelValues(runId, layer, signal).set(layerEwma.get(s));
            }
            var histogram = neuronAlignment.labelValues(runId, layer, signal);
            for (int i = 0; i < a.rows; i++) {
                if (a.defined[s][i]) {
                    histogram.observe(a.neuron[s][i]);
                }
            }
        }
        if (perNeuronSeries(a.rows)) {
            for (int i = 0; i < a.rows; i++) {
                if (!Double.isNaN(signalEwma[i])) {
                    neuronAlignmentEwma.labelValues(runId, layer, Integer.toString(i)).set(signalEwma[i]);
                }
            }
        }
        neuronRoles.labelValues(runId, layer, "hebbian").set(roles.hebbian());
        neuronRoles.labelValues(runId, layer, "anti_hebbian").set(roles.antiHebbian());
        neuronRoles.labelValues(runId, layer, "neutral").set(roles.neutral());
        neuronRoles.labelValues(runId, layer, "undefined").set(roles.undefined());
        analyzedStep.labelValues(runId, layer).set(step);
        if (publishedAtMs > 0) {
            analysisLag.labelValues(runId, layer).set(Math.max(0, System.currentTimeMillis() - publishedAtMs) / 1000.0);
        }
    }

    /** Exports a detected phase event: a count per kind and the step it refers to (for dashboard annotations). */
    public void phaseDetected(PhaseEvent event) {
        String kind = event.getKind().name().toLowerCase(java.util.Locale.ROOT);
        phaseEvents.labelValues(event.getRunId(), event.getLayer(), kind).inc();
        phaseLastStep.labelValues(event.getRunId(), event.getLayer(), kind).set(event.getStep());
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public boolean perNeuronSeries(int width) {
        return width <= maxNeuronSeriesWidth;
    }

    private static double[] buckets() {
        double[] b = new double[21];
        for (int i = 0; i <= 20; i++) {
            b[i] = Math.round((-1.0 + 0.1 * i) * 10) / 10.0;
        }
        return b;
    }
}
