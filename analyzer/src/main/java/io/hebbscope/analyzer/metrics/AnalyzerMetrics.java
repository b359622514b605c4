package io.hebbscope.analyzer.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

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
