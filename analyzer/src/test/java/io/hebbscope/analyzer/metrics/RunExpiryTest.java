package io.hebbscope.analyzer.metrics;

import static io.hebbscope.analyzer.metrics.MetricsFixtures.select;
import static io.hebbscope.analyzer.metrics.MetricsFixtures.series;
import static io.hebbscope.analyzer.metrics.MetricsFixtures.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.analyzer.alignment.LayerStepAlignment;
import io.hebbscope.analyzer.alignment.Roles;
import io.hebbscope.analyzer.alignment.RowSums;
import io.hebbscope.analyzer.alignment.Spread;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.PhaseKind;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A finished run's series disappear after the retention time since their last update; running runs stay. */
class RunExpiryTest {
    @TempDir
    Path stateDir;

    @Test
    void finishedRunsExpireAfterTheRetentionSinceTheirLastUpdate() {
        PrometheusRegistry registry = new PrometheusRegistry();
        AtomicLong now = new AtomicLong(5_000_000);
        try (AnalyzerMetrics metrics = new AnalyzerMetrics(registry, 128, Duration.ofSeconds(60), now::get);
             MetricsFixtures fx = new MetricsFixtures(metrics, 128, stateDir)) {
            for (String run : new String[] {"done", "live"}) {
                fx.runStarted(run, 8);
                fx.layerSteps(run, "layer0", 8, 8, 1, 3, 1);
                fx.stepMetrics(run, 2, 1);
            }
            metrics.phaseDetected(new PhaseEvent("done", "layer0", 1L, 2L, PhaseKind.BUMP_PEAK, "test", Map.of()));
            metrics.oscillationShare("done", "layer0", 0.25);
            fx.runFinished("done");
            List<String> before = series(registry);
            assertThat(select(before, "hebbscope_run_status", "run=\"done\"", "status=\"completed\"")).hasSize(1);
            assertThat(value(before, "hebbscope_runs", "state=\"finished\"")).isEqualTo(1);
            assertThat(value(before, "hebbscope_runs", "state=\"running\"")).isEqualTo(1);

            now.addAndGet(30_000);
            assertThat(metrics.expireFinishedRuns()).isEmpty();
            fx.stepMetrics("done", 3, 1); // late record: the clock restarts
            now.addAndGet(40_000);
            assertThat(metrics.expireFinishedRuns()).isEmpty();
            now.addAndGet(21_000);
            assertThat(metrics.expireFinishedRuns()).containsExactly("done");

            List<String> after = series(registry);
            assertThat(after).noneMatch(l -> l.contains("run=\"done\""));
            assertThat(after.stream().filter(l -> l.contains("run=\"live\"")).count())
                .isEqualTo(before.stream().filter(l -> l.contains("run=\"live\"")).count());
            assertThat(value(after, "hebbscope_expired_runs_total")).isEqualTo(1);
            assertThat(value(after, "hebbscope_runs", "state=\"finished\"")).isEqualTo(0);
            assertThat(metrics.trackedRuns()).containsExactly("live");

            // A later record of the run brings it back; it is known to be finished and expires again. (A new step: the
            // StepMetrics of a step the run already reached is a counted duplicate that changes no metric, issue 11
            // item 4; a replay, under its own application id, starts from empty stores and sees no duplicate.)
            fx.stepMetrics("done", 4, 1);
            assertThat(select(series(registry), "hebbscope_train_loss", "run=\"done\"")).hasSize(1);
            now.addAndGet(61_000);
            assertThat(metrics.expireFinishedRuns()).containsExactly("done");
            assertThat(series(registry)).noneMatch(l -> l.contains("run=\"done\""));
        }
    }

    /** The per-neuron data points are looked up once per layer; a run whose series expired gets new ones. */
    @Test
    void perNeuronSeriesComeBackFreshAfterTheirRunExpired() {
        PrometheusRegistry registry = new PrometheusRegistry();
        AtomicLong now = new AtomicLong(5_000_000);
        float[] g = {1, 2, 3, -1, 0, 2, 5, 1, 1, 2, -2, 0};
        float[] h = {1, 1, 0, 2, 1, 1, 0, 1, 3, 1, 1, 1};
        LayerStepAlignment a = new LayerStepAlignment(RowSums.of(g, null, h, g, 4, 3), 4);
        double[] ewma = a.neuron[NeuronAlignmentMetrics.SIGNAL].clone();
        try (AnalyzerMetrics metrics = new AnalyzerMetrics(registry, 128, Duration.ofSeconds(60), now::get)) {
            Runnable step = () -> metrics.layerStepAnalyzed("r", "layer0", 0, 0, a,
                Spread.of(a.neuron[NeuronAlignmentMetrics.SIGNAL], a.defined[NeuronAlignmentMetrics.SIGNAL]),
                List.of(0.1, 0.2, 0.3), ewma, Roles.of(ewma, 0.2));
            step.run();
            step.run();
            assertThat(select(series(registry), "hebbscope_neuron_alignment_ewma", "run=\"r\"")).hasSize(4);
            assertThat(value(series(registry), "hebbscope_neuron_alignment_count", "run=\"r\"", "signal=\"signal\""))
                .isEqualTo(8);
            now.addAndGet(61_000); // a run never started here expires once idle for the retention time
            assertThat(metrics.expireFinishedRuns()).containsExactly("r");
            assertThat(series(registry)).noneMatch(l -> l.contains("run=\"r\""));

            step.run();
            assertThat(select(series(registry), "hebbscope_neuron_alignment_ewma", "run=\"r\"")).hasSize(4);
            assertThat(value(series(registry), "hebbscope_neuron_alignment_count", "run=\"r\"", "signal=\"signal\""))
                .as("a fresh histogram, not the removed one").isEqualTo(4);
        }
    }

    @Test
    void theExpiryThreadRemovesFinishedRunsOnItsOwn() throws InterruptedException {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (AnalyzerMetrics metrics = new AnalyzerMetrics(registry, 128, Duration.ofMillis(200), System::currentTimeMillis);
             MetricsFixtures fx = new MetricsFixtures(metrics, 128, stateDir)) {
            fx.runStarted("short", 8);
            fx.layerSteps("short", "layer0", 8, 8, 1, 2, 1);
            fx.runFinished("short");
            assertThat(series(registry)).anyMatch(l -> l.contains("run=\"short\""));
            long deadline = System.currentTimeMillis() + 10_000;
            while (series(registry).stream().anyMatch(l -> l.contains("run=\"short\"")) && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(series(registry)).noneMatch(l -> l.contains("run=\"short\""));
        }
    }

    @Test
    void runInfoLagAndPhaseTimestamps() {
        PrometheusRegistry registry = new PrometheusRegistry();
        try (AnalyzerMetrics metrics = new AnalyzerMetrics(registry, 128);
             MetricsFixtures fx = new MetricsFixtures(metrics, 128, stateDir)) {
            fx.runStarted("r", 8);
            fx.stepMetrics("r", 9, 1);
            fx.layerSteps("r", "layer0", 8, 8, 1, 4, 1);
            metrics.phaseDetected(new PhaseEvent("r", "layer0", 2L, 3L, PhaseKind.PHASE_CHANGE, "test", Map.of()));
        }
        List<String> s = series(registry);
        assertThat(select(s, "hebbscope_run_info", "run=\"r\"", "weight_decay=\"0.001\"", "noise=\"0.0\"",
            "learning_rate=\"0.1\"", "rule=\"sgd\"")).hasSize(1);
        assertThat(value(s, "hebbscope_trained_step", "run=\"r\"")).isEqualTo(9);
        assertThat(value(s, "hebbscope_analyzed_step", "run=\"r\"")).isEqualTo(3);
        assertThat(value(s, "hebbscope_analysis_lag_steps", "run=\"r\"")).isEqualTo(6);
        assertThat(value(s, "hebbscope_analyzed_steps_total", "run=\"r\"")).isEqualTo(4);
        assertThat(value(s, "hebbscope_weight_norm", "run=\"r\"", "layer=\"layer0\"")).isEqualTo(1.5);
        // The annotation time is when step 2 was published, not when the event was detected.
        assertThat(value(s, "hebbscope_phase_last_timestamp_seconds", "kind=\"phase_change\""))
            .isEqualTo((MetricsFixtures.PUBLISHED_AT_MS + 2000) / 1000.0);
        assertThat(value(s, "hebbscope_phase_last_step", "kind=\"phase_change\"")).isEqualTo(2);
        assertThat(value(s, "hebbscope_phase_events_total", "kind=\"phase_change\"")).isEqualTo(1);
    }
}
