package io.hebbscope.lab.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import java.util.List;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYZDataset;
import org.junit.jupiter.api.Test;

/** Datasets built from hand-made analyzer records carry exactly the records' numbers. */
class RunDatasetsTest {
    static LayerAlignment layer(String layer, int index, long step, int epoch, Double g, Double s, Double u) {
        return LayerAlignment.newBuilder().setRunId("r").setLayer(layer).setLayerIndex(index).setStep(step).setEpoch(epoch)
            .setGradient(g).setSignal(s).setUpdate(u).setGradientNorm(1).setSignalNorm(1).setUpdateNorm(1)
            .setHebbianNorm(1).setHebbianNeurons(0).setAntiHebbianNeurons(0).setNeutralNeurons(0).setUndefinedNeurons(0)
            .build();
    }

    static NeuronAlignment neurons(String layer, long step, double[] g, double[] s, double[] u) {
        Tensor zero = TensorCodec.encodeDoubles(new double[g.length], g.length, 1);
        return NeuronAlignment.newBuilder().setRunId("r").setLayer(layer).setLayerIndex(0).setStep(step).setEpoch(0)
            .setGradient(TensorCodec.encodeDoubles(g, g.length, 1)).setSignal(TensorCodec.encodeDoubles(s, s.length, 1))
            .setUpdate(TensorCodec.encodeDoubles(u, u.length, 1)).setGradientEwma(zero).setSignalEwma(zero)
            .setUpdateEwma(zero).setHebbianNorm(zero).build();
    }

    static StepMetrics metrics(long step, int epoch, Double validationLoss) {
        return StepMetrics.newBuilder().setRunId("r").setStep(step).setEpoch(epoch).setTrainLoss(1).setLearningRate(0.1)
            .setTimestampMs(0).setValidationLoss(validationLoss).build();
    }

    @Test
    void layerAlignmentSeriesAreTheRecordsValuesByStepWithUndefinedLeftOut() {
        RunLog run = new RunLog("r", List.of(
            layer("layer1", 1, 2, 0, 0.3, 0.31, -0.2),
            layer("layer0", 0, 0, 0, 0.9, 0.9, 0.9),
            layer("layer1", 1, 0, 0, 0.1, 0.11, null),
            layer("layer1", 1, 1, 0, null, 0.21, 0.05)), List.of(), List.of());
        assertThat(RunDatasets.layers(run)).containsExactly("layer0", "layer1");
        List<Series> series = RunDatasets.layerAlignment(run, "layer1");
        assertThat(series).containsExactly(
            new Series("gradient", List.of(new Series.Point(0, 0.1), new Series.Point(2, 0.3))),
            new Series("signal", List.of(new Series.Point(0, 0.11), new Series.Point(1, 0.21), new Series.Point(2, 0.31))),
            new Series("update", List.of(new Series.Point(1, 0.05), new Series.Point(2, -0.2))));
        // ... and the chart gets exactly these.
        XYDataset d = ReportCharts.layerAlignment("r", "layer1", series).getXYPlot().getDataset();
        assertThat(d.getSeriesCount()).isEqualTo(3);
        for (int s = 0; s < 3; s++) {
            assertThat(d.getSeriesKey(s)).isEqualTo(series.get(s).name());
            assertThat(d.getItemCount(s)).isEqualTo(series.get(s).points().size());
            for (int i = 0; i < d.getItemCount(s); i++) {
                assertThat(d.getXValue(s, i)).isEqualTo(series.get(s).points().get(i).x());
                assertThat(d.getYValue(s, i)).isEqualTo(series.get(s).points().get(i).y());
            }
        }
    }

    @Test
    void theHeatmapHoldsEveryNeuronsValueAtEveryStep() {
        RunLog run = new RunLog("r", List.of(), List.of(
            neurons("layer1", 4, new double[] {0, 0, 0}, new double[] {0, 0, 0}, new double[] {0.5, -0.5, 0.25}),
            neurons("layer1", 0, new double[] {1, 1, 1}, new double[] {0.1, 0.2, 0.3}, new double[] {-1, 1, 0}),
            neurons("layer2", 0, new double[] {9}, new double[] {9}, new double[] {9}),
            neurons("layer1", 2, new double[] {0, 0, 0}, new double[] {0, 0, 0}, new double[] {0.75, 0.125, -0.875})),
            List.of());
        Heatmap h = RunDatasets.neuronHeatmap(run, "layer1", "update", 100);
        assertThat(h.steps()).containsExactly(0L, 2L, 4L);
        assertThat(h.stepWidth()).isEqualTo(2);
        assertThat(h.values()).isDeepEqualTo(new double[][] {{-1, 0.75, 0.5}, {1, 0.125, -0.5}, {0, -0.875, 0.25}});
        assertThat(RunDatasets.neuronHeatmap(run, "layer1", "signal", 100).values()[2][0]).isEqualTo(0.3);

        XYZDataset d = ReportCharts.heatmapDataset(h);
        assertThat(d.getItemCount(0)).isEqualTo(9);
        for (int i = 0; i < 9; i++) {
            int step = i / 3;
            int neuron = i % 3;
            assertThat(d.getXValue(0, i)).isEqualTo((double) h.steps().get(step));
            assertThat(d.getYValue(0, i)).isEqualTo((double) neuron);
            assertThat(d.getZValue(0, i)).isEqualTo(h.values()[neuron][step]);
        }
        // The chart's renderer gets this dataset.
        assertThat(ReportCharts.neuronHeatmap(h).getXYPlot().getDataset().getItemCount(0)).isEqualTo(9);

        // Too many steps: every k-th step, from the first.
        Heatmap two = RunDatasets.neuronHeatmap(run, "layer1", "update", 2);
        assertThat(two.steps()).containsExactly(0L, 4L);
        assertThat(two.values()).isDeepEqualTo(new double[][] {{-1, 0.5}, {1, -0.5}, {0, 0.25}});
        assertThat(two.stepWidth()).isEqualTo(4);
    }

    @Test
    void validationAgainstAlignmentIsOnePointPerEpochWithAValidationLoss() {
        RunLog run = new RunLog("r", List.of(
            layer("layer1", 1, 0, 0, 0.0, 0.1, 0.0), layer("layer1", 1, 1, 0, 0.0, 0.3, 0.0),
            layer("layer1", 1, 2, 1, 0.0, null, 0.0), layer("layer1", 1, 3, 1, 0.0, -0.5, 0.0),
            layer("layer1", 1, 4, 2, 0.0, 0.9, 0.0), layer("layer0", 0, 0, 0, 0.0, 0.8, 0.0)),
            List.of(), List.of(metrics(0, 0, null), metrics(1, 0, 2.5), metrics(3, 1, 1.5), metrics(4, 2, null)));
        Series s = RunDatasets.validationVsAlignment(run, "layer1", "signal");
        assertThat(s.name()).isEqualTo("r");
        assertThat(s.points()).hasSize(2);
        assertThat(s.points().get(0).x()).isCloseTo(0.2, within(1e-15));
        assertThat(s.points().get(0).y()).isEqualTo(2.5);
        assertThat(s.points().get(1)).isEqualTo(new Series.Point(-0.5, 1.5));
    }
}
