package io.hebbscope.analyzer.metrics;

import static io.hebbscope.analyzer.metrics.MetricsFixtures.series;
import static io.hebbscope.analyzer.metrics.MetricsFixtures.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GaugeHistogramTest {
    private static final double[] BOUNDS = {-0.5, 0.0, 0.5};

    @Test
    void bucketsAreCumulativeAndFollowTheLatestValues() {
        PrometheusRegistry registry = new PrometheusRegistry();
        GaugeHistogram h = new GaugeHistogram("t_neurons", "test", BOUNDS, "run", "layer").register(registry);
        // Bounds are inclusive (le); NaN is not counted; values above the last bound land in +Inf only.
        h.set(new double[] {-1.0, -0.5, 0.0, 0.25, 0.5, Double.NaN, 0.75}, "r", "l");
        List<String> s = series(registry);
        assertThat(value(s, "t_neurons_bucket", "le=\"-0.5\"")).isEqualTo(2);
        assertThat(value(s, "t_neurons_bucket", "le=\"0.0\"")).isEqualTo(3);
        assertThat(value(s, "t_neurons_bucket", "le=\"0.5\"")).isEqualTo(5);
        assertThat(value(s, "t_neurons_bucket", "le=\"+Inf\"")).isEqualTo(6);
        assertThat(value(s, "t_neurons_gcount")).isEqualTo(6);
        assertThat(value(s, "t_neurons_gsum")).isEqualTo(-1.0 - 0.5 + 0.25 + 0.5 + 0.75);

        // A gauge histogram goes down: the next step's picture replaces the last one.
        h.set(new double[] {0.9}, "r", "l");
        s = series(registry);
        assertThat(value(s, "t_neurons_bucket", "le=\"0.5\"")).isZero();
        assertThat(value(s, "t_neurons_gcount")).isEqualTo(1);
    }

    @Test
    void labelSetsAreRemovedByPredicate() {
        PrometheusRegistry registry = new PrometheusRegistry();
        GaugeHistogram h = new GaugeHistogram("t_neurons", "test", BOUNDS, "run", "layer").register(registry);
        h.set(new double[] {0.1}, "a", "l0");
        h.set(new double[] {0.1}, "a", "l1");
        h.set(new double[] {0.1}, "b", "l0");
        h.removeIf(labels -> labels.get(0).equals("a"));
        assertThat(h.size()).isEqualTo(1);
        assertThat(series(registry)).allMatch(l -> l.contains("run=\"b\""));
    }

    @Test
    void openMetricsTypesItGaugeHistogram() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        new GaugeHistogram("t_neurons", "test", BOUNDS, "run").register(registry).set(new double[] {0.1}, "a");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OpenMetricsTextFormatWriter.create().write(out, registry.scrape());
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("# TYPE t_neurons gaugehistogram")
            .contains("t_neurons_gcount{run=\"a\"} 1");
    }

    @Test
    void rejectsBadBoundsAndLabels() {
        assertThatThrownBy(() -> new GaugeHistogram("t", "t", new double[] {0.5, 0.0}, "run"))
            .hasMessageContaining("ascend");
        GaugeHistogram h = new GaugeHistogram("t", "t", BOUNDS, "run", "layer");
        assertThatThrownBy(() -> h.set(new double[] {0.1}, "only-run")).hasMessageContaining("expected labels");
    }
}
