package io.hebbscope.analyzer.metrics;

import static io.hebbscope.analyzer.metrics.MetricsFixtures.select;
import static io.hebbscope.analyzer.metrics.MetricsFixtures.series;
import static io.hebbscope.analyzer.metrics.MetricsFixtures.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Label sets stay bounded: per-neuron series stop at the configured width, the histograms still count every neuron. */
class MetricsCardinalityTest {
    /** Series of one analyzed layer besides per-neuron ones: see {@link #expectedLayerSeries()}. */
    static final int LAYER_SERIES = expectedLayerSeries();
    /** Series of one run besides its layers (validation accuracy only for classification tasks). */
    static final int RUN_SERIES = 7;

    @TempDir
    Path stateDir;

    @Test
    void aWideLayerHasNoPerNeuronSeriesButItsHistogramCountsEveryNeuron() {
        PrometheusRegistry registry = new PrometheusRegistry();
        int wide = 2000;
        int narrow = 16;
        int steps = 3;
        try (AnalyzerMetrics metrics = new AnalyzerMetrics(registry, 128);
             MetricsFixtures fx = new MetricsFixtures(metrics, 128, stateDir)) {
            fx.runStarted("wide-run", MetricsFixtures.shape(0, wide, 8, 4), MetricsFixtures.shape(1, narrow, 8, 1));
            fx.layerSteps("wide-run", "layer0", wide, 8, 4, steps, 1);
            fx.layerSteps("wide-run", "layer1", narrow, 8, 1, steps, 2);
            fx.stepMetrics("wide-run", steps - 1, 2);
        }
        List<String> series = series(registry);

        // Capped: no per-neuron series for the 2000-neuron layer, one per neuron for the 16-neuron layer.
        assertThat(select(series, "hebbscope_neuron_alignment_ewma", "layer=\"layer0\"")).isEmpty();
        assertThat(select(series, "hebbscope_neuron_alignment_ewma", "layer=\"layer1\"")).hasSize(narrow);

        // Complete: every neuron of every step is in the histogram, and its buckets add up.
        for (String signal : new String[] {"gradient", "signal", "update"}) {
            String[] labels = {"layer=\"layer0\"", "signal=\"" + signal + "\""};
            assertThat(value(series, "hebbscope_neuron_alignment_count", labels)).isEqualTo(wide * steps);
            assertThat(value(series, "hebbscope_neuron_alignment_bucket", labels[0], labels[1], "le=\"+Inf\""))
                .isEqualTo(wide * steps);
            List<String> buckets = select(series, "hebbscope_neuron_alignment_bucket", labels);
            assertThat(buckets).hasSize(22);
            double previous = 0;
            for (String bound : AnalyzerMetrics.bucketLabelsForTest()) {
                double count = value(series, "hebbscope_neuron_alignment_bucket", labels[0], labels[1], "le=\"" + bound + "\"");
                assertThat(count).isGreaterThanOrEqualTo(previous);
                previous = count;
            }
            // Random 8-dimensional rows: cosines spread around 0 (std ~0.35), most of them within +-0.5.
            assertThat(value(series, "hebbscope_neuron_alignment_bucket", labels[0], labels[1], "le=\"0.5\"")
                - value(series, "hebbscope_neuron_alignment_bucket", labels[0], labels[1], "le=\"-0.5\"")).isGreaterThan(0.6 * wide * steps);
        }
        assertThat(value(series, "hebbscope_neurons_by_rolling_alignment_bucket", "layer=\"layer0\"", "le=\"+Inf\"")).isEqualTo(wide);
        assertThat(value(series, "hebbscope_neurons_by_rolling_alignment_gcount", "layer=\"layer0\"")).isEqualTo(wide);
        double roles = select(series, "hebbscope_neurons", "layer=\"layer0\"").stream()
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertThat(roles).isEqualTo(wide);

        // Bounded: the wide layer has exactly as many series as any layer without per-neuron series.
        assertThat(series.stream().filter(l -> l.contains("layer=\"layer0\"")).count()).isEqualTo(LAYER_SERIES);
        assertThat(series.stream().filter(l -> l.contains("layer=\"layer1\"")).count()).isEqualTo(LAYER_SERIES + narrow);
    }

    /** The series count of a CIFAR-size MLP 3072-128-128-10 (the series do not depend on the input width). */
    @Test
    void seriesOfACifarSizeRun() {
        PrometheusRegistry registry = new PrometheusRegistry();
        int[] rows = {128, 128, 10};
        try (AnalyzerMetrics metrics = new AnalyzerMetrics(registry, 128);
             MetricsFixtures fx = new MetricsFixtures(metrics, 128, stateDir)) {
            fx.runStarted("cifar", rows);
            for (int l = 0; l < rows.length; l++) {
                fx.layerSteps("cifar", "layer" + l, rows[l], 8, 1, 2, l);
            }
            fx.stepMetrics("cifar", 1, rows.length);
        }
        long runSeries = series(registry).stream().filter(l -> l.contains("run=\"cifar\"")).count();
        long expected = rows.length * (long) LAYER_SERIES + 128 + 128 + 10 + RUN_SERIES;
        System.out.printf("series of a 3072-128-128-10 run: %d (%d per layer, %d per-neuron, %d per run)%n",
            runSeries, LAYER_SERIES, 128 + 128 + 10, RUN_SERIES);
        assertThat(runSeries).isEqualTo(expected);
        // The same run with the per-neuron limit at 0: the series no longer grow with the width.
        assertThat(expected - 266).isEqualTo(3L * LAYER_SERIES + RUN_SERIES);
    }

    /** What one analyzed layer exports besides per-neuron series, metric by metric. */
    static int expectedLayerSeries() {
        int alignment = 3 + 3;              // hebbscope_layer_alignment, _ewma by signal
        int histogram = 3 * (22 + 2);        // hebbscope_neuron_alignment_bucket (21 bounds + +Inf), _count, _sum by signal
        int spread = 3 + 1 + 1;              // _quantile (q 0.1, 0.5, 0.9), _mean, _stddev
        int rolling = 22 + 2;                // hebbscope_neurons_by_rolling_alignment_bucket by le, _gcount, _gsum
        int roles = 4;                       // hebbscope_neurons by role
        int norms = 4;                       // hebbscope_layer_norm by term
        int progress = 1 + 1 + 1 + 1 + 1;    // sign flips, analyzed step, analyzed steps, lag seconds, lag steps
        int weights = 1;                     // hebbscope_weight_norm
        return alignment + histogram + spread + rolling + roles + norms + progress + weights;
    }
}
