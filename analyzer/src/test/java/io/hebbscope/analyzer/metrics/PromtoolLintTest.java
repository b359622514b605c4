package io.hebbscope.analyzer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.PhaseKind;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every metric family the analyzer exports, each with series, passes {@code promtool check metrics}. */
class PromtoolLintTest {
    @TempDir
    Path stateDir;

    @Test
    void everyFamilyWithSeriesIsLintClean() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (AnalyzerMetrics metrics = new AnalyzerMetrics(registry, 16);
             MetricsFixtures fx = new MetricsFixtures(metrics, 16, stateDir)) {
            metrics.inputTopics("t.runs", "t.layer-steps", "t.train-metrics");
            fx.runStarted("r", 8, 4);
            fx.layerSteps("r", "layer0", 8, 6, 2, 4, 1);
            fx.layerSteps("r", "layer1", 4, 8, 1, 4, 2);
            fx.stepMetrics("r", 3, 2);
            metrics.phaseDetected(new PhaseEvent("r", "layer0", 1L, 2L, PhaseKind.BUMP_PEAK, "test", Map.of()));
            metrics.oscillationShare("r", "layer0", 0.25);
            metrics.deadLetters.labelValues("t.layer-steps", "undecodable").inc();
            metrics.pipeline.duplicateBlocks.labelValues("r", "layer0").inc();
            metrics.pipeline.skippedSteps.labelValues("r", "layer0").inc();
            fx.runFinished("r");
            String text = prometheusText(registry);
            // every family is there, with at least one sample
            assertThat(text).contains("hebbscope_neurons_by_rolling_alignment_bucket{", "hebbscope_neuron_alignment_quantile{",
                "hebbscope_phase_events_total{", "hebbscope_dead_letters_total{", "hebbscope_run_info{",
                "hebbscope_oscillating_neurons_share{", "hebbscope_skipped_steps_total{");
            Promtool.Result lint = Promtool.checkMetrics(text);
            assertThat(lint.output()).as("promtool check metrics on%n%s", text).isEmpty();
            assertThat(lint.exitCode()).isZero();
        }
    }

    /** The lint can fail: the shapes of before (a gauge with le, a gauge with quantile) are flagged. */
    @Test
    void theOldShapesAreFlagged() throws Exception {
        String old = """
            # HELP hebbscope_neurons_by_rolling_alignment Neurons whose rolling alignment is <= le
            # TYPE hebbscope_neurons_by_rolling_alignment gauge
            hebbscope_neurons_by_rolling_alignment{run="r",layer="l",le="0.0"} 3
            # HELP hebbscope_neuron_alignment_quantile Quantile over neurons
            # TYPE hebbscope_neuron_alignment_quantile gauge
            hebbscope_neuron_alignment_quantile{run="r",layer="l",quantile="0.5"} 0.1
            """;
        Promtool.Result lint = Promtool.checkMetrics(old);
        assertThat(lint.exitCode()).isNotZero();
        assertThat(lint.output()).contains("non-histogram metrics should not have \"le\" label")
            .contains("non-summary metrics should not have \"quantile\" label");
    }

    static String prometheusText(PrometheusRegistry registry) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
