package io.hebbscope.analyzer.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.analyzer.plugin.examples.GradientAlignmentPlugin;
import io.hebbscope.analyzer.plugin.examples.StationarityPlugin;
import io.hebbscope.analyzer.topology.AnalyzerTopology;
import io.hebbscope.analyzer.topology.LayerStepFixture;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.PluginResult;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.Topics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginTopologyTest {
    private final Topics topics = new Topics("pt");

    @TempDir
    Path stateDir;

    /** Records every step it sees. */
    static final class Recorder implements AnalyzerPlugin {
        final List<AssembledLayerStep> seen = new ArrayList<>();

        @Override
        public String id() {
            return "recorder";
        }

        @Override
        public boolean needsWeights() {
            return true;
        }

        @Override
        public Map<String, Double> analyze(AssembledLayerStep step) {
            seen.add(step);
            return Map.of("step", (double) step.step());
        }
    }

    /** Fails on every other step. */
    static final class Flaky implements AnalyzerPlugin {
        @Override
        public String id() {
            return "flaky";
        }

        @Override
        public Map<String, Double> analyze(AssembledLayerStep step) {
            if (step.step() % 2 == 0) {
                throw new IllegalStateException("boom");
            }
            return Map.of("ok", 1.0);
        }
    }

    static final class FixedRuns extends RunCatalog {
        FixedRuns(RunStarted run) {
            put(run);
        }
    }

    @Test
    void pluginsSeeAssembledStepsInOrderWithWeightsAndFailuresAreIsolated() {
        LayerStepFixture f = new LayerStepFixture("run-p", "layer1", 6, 4, 3, false, new long[] {0, 1, 2, 3, 4}, 9);
        List<LayerStep> log = new ArrayList<>();
        for (int s = 0; s < f.steps.length; s++) {
            log.addAll(f.blocksOf(s));
        }
        List<LayerStep> shuffled = new ArrayList<>(log);
        shuffled.add(log.get(3));
        Collections.shuffle(shuffled, new Random(4));

        Recorder recorder = new Recorder();
        PrometheusRegistry registry = new PrometheusRegistry();
        RunStarted run = RunStarted.newBuilder().setRunId("run-p").setStartedAtMs(0).setTask("sre").setModel("mlp").setRule("sgd")
            .setSeed(1).setConfig(Map.of("weightDecay", "0.01")).setLayers(List.of(new LayerShape("layer1", 1, 6, 4, 2, 3)))
            .setStepsPerEpoch(5).setTotalSteps(5).setSnapshotEvery(100).setDtype(io.hebbscope.schema.DType.FLOAT32).build();
        StreamsBuilder builder = new StreamsBuilder();
        var raw = AnalyzerTopology.build(builder, topics, AnalyzerSettings.DEFAULTS, new AnalyzerMetrics(registry, 128));
        PluginTopology.build(builder, raw, topics, List.of(new Flaky(), recorder, new StationarityPlugin(), new GradientAlignmentPlugin()),
            new FixedRuns(run), registry, 16);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "plugin-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic(topics.layerSteps().name(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer());
            for (LayerStep s : shuffled) {
                in.pipeInput(io.hebbscope.schema.Keys.layerBlock(s.getRunId(), s.getLayer(), s.getBlockIndex()), EventCodec.get().encode(s));
            }
            in.pipeInput("junk", new byte[] {1, 2});

            assertThat(recorder.seen).extracting(AssembledLayerStep::step).containsExactly(0L, 1L, 2L, 3L, 4L);
            double[] w = new double[f.rows * f.cols];
            for (int s = 0; s < 5; s++) {
                AssembledLayerStep step = recorder.seen.get(s);
                float[][] t = f.terms.get(s);
                assertThat(step.gradient()).containsExactly(t[0]);
                assertThat(step.hebbian()).containsExactly(t[2]);
                assertThat(step.update()).containsExactly(t[3]);
                assertThat(step.signalIsNegativeGradient()).isTrue();
                assertThat(step.signal()[5]).isEqualTo(-t[0][5]);
                assertThat(step.run()).isEqualTo(run);
                // the fixture's step 0 carries a snapshot equal to its update; later weights add the updates
                if (s == 0) {
                    for (int i = 0; i < w.length; i++) {
                        w[i] = t[3][i];
                    }
                }
                assertThat(step.weights()).hasSize(w.length);
                for (int i = 0; i < w.length; i++) {
                    assertThat(step.weights()[i]).isCloseTo(w[i], within(1e-6));
                }
                for (int i = 0; i < w.length; i++) {
                    w[i] += t[3][i];
                }
            }
            List<PluginResult> recorded = driver.createOutputTopic(topics.pluginResults("recorder").name(),
                Serdes.String().deserializer(), topics.pluginResults("recorder").valueSerde().deserializer()).readValuesToList();
            assertThat(recorded).extracting(PluginResult::getStep).containsExactly(0L, 1L, 2L, 3L, 4L);
            List<PluginResult> flaky = driver.createOutputTopic(topics.pluginResults("flaky").name(),
                Serdes.String().deserializer(), topics.pluginResults("flaky").valueSerde().deserializer()).readValuesToList();
            assertThat(flaky).extracting(PluginResult::getStep).containsExactly(1L, 3L);
            List<PluginResult> gradient = driver.createOutputTopic(topics.pluginResults("gradient-alignment").name(),
                Serdes.String().deserializer(), topics.pluginResults("gradient-alignment").valueSerde().deserializer()).readValuesToList();
            assertThat(gradient).hasSize(5).allSatisfy(r -> assertThat(r.getValues().get("layer")).isCloseTo(1.0, within(1e-9)));
            List<PluginResult> stationarity = driver.createOutputTopic(topics.pluginResults("stationarity").name(),
                Serdes.String().deserializer(), topics.pluginResults("stationarity").valueSerde().deserializer()).readValuesToList();
            assertThat(stationarity).hasSize(5).allSatisfy(r -> assertThat(r.getValues()).containsKeys("residual", "cosine", "ratio"));
            assertThat(failures(registry, "flaky")).isEqualTo(3);
        }
    }

    /** Steps seen by a recorder when {@code log} is piped in. */
    private List<AssembledLayerStep> record(List<LayerStep> log, RunStarted run) {
        Recorder recorder = new Recorder();
        PrometheusRegistry registry = new PrometheusRegistry();
        StreamsBuilder builder = new StreamsBuilder();
        var raw = AnalyzerTopology.build(builder, topics, AnalyzerSettings.DEFAULTS, new AnalyzerMetrics(registry, 128));
        PluginTopology.build(builder, raw, topics, List.of(recorder), new FixedRuns(run), registry, 16);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "plugin-order-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("s" + System.nanoTime()).toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic(topics.layerSteps().name(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer());
            log.forEach(s -> in.pipeInput(io.hebbscope.schema.Keys.layerBlock(s.getRunId(), s.getLayer(), s.getBlockIndex()), EventCodec.get().encode(s)));
        }
        return recorder.seen;
    }

    @Test
    void oneBlockLayersGiveTheSameStepsInOrderOrShuffled() {
        LayerStepFixture f = new LayerStepFixture("run-1b", "layer1", 5, 3, 1, true, new long[] {0, 2, 4, 6, 8, 10}, 12);
        List<LayerStep> log = new ArrayList<>();
        for (int s = 0; s < f.steps.length; s++) {
            log.addAll(f.blocksOf(s));
        }
        RunStarted run = RunStarted.newBuilder().setRunId("run-1b").setStartedAtMs(0).setTask("sre").setModel("mlp").setRule("dfa")
            .setSeed(1).setConfig(Map.of()).setLayers(List.of()).setStepsPerEpoch(6).setTotalSteps(11).setSnapshotEvery(100)
            .setDtype(io.hebbscope.schema.DType.FLOAT32).build();
        List<AssembledLayerStep> inOrder = record(log, run);
        assertThat(inOrder).extracting(AssembledLayerStep::step).containsExactly(0L, 2L, 4L, 6L, 8L, 10L);
        List<LayerStep> shuffled = new ArrayList<>(log);
        shuffled.add(log.get(2));
        Collections.shuffle(shuffled, new Random(8));
        List<AssembledLayerStep> fromShuffled = record(shuffled, run);
        assertThat(fromShuffled).extracting(AssembledLayerStep::step).containsExactly(0L, 2L, 4L, 6L, 8L, 10L);
        for (int i = 0; i < inOrder.size(); i++) {
            assertThat(fromShuffled.get(i).signal()).containsExactly(inOrder.get(i).signal());
            assertThat(fromShuffled.get(i).update()).containsExactly(f.terms.get(i)[3]);
            assertThat(fromShuffled.get(i).signalIsNegativeGradient()).isFalse();
        }
    }

    /** Issue 11: plug-ins see no run without a valid RunStarted (and so make no series for made-up run ids). */
    @Test
    void blocksOfRunsWithoutRunStartedNeverReachThePlugins() {
        LayerStepFixture f = new LayerStepFixture("made-up", "layer1", 5, 3, 1, true, new long[] {0, 1, 2}, 13);
        List<LayerStep> log = new ArrayList<>();
        for (int s = 0; s < f.steps.length; s++) {
            log.addAll(f.blocksOf(s));
        }
        RunStarted other = RunStarted.newBuilder().setRunId("other").setStartedAtMs(0).setTask("sre").setModel("mlp")
            .setRule("sgd").setSeed(1).setConfig(Map.of()).setLayers(List.of()).setStepsPerEpoch(6).setTotalSteps(11)
            .setSnapshotEvery(100).setDtype(io.hebbscope.schema.DType.FLOAT32).build();
        assertThat(record(log, other)).isEmpty();
    }

    @Test
    void stationarityIsExactWhenTheMeanSignalEqualsDecayTimesWeights() {
        double gamma = 0.01;
        double[] w = {1, -2, 3, 0.5};
        float[] g = new float[4];
        for (int i = 0; i < 4; i++) {
            g[i] = (float) (gamma * w[i]);
        }
        RunStarted run = RunStarted.newBuilder().setRunId("r").setStartedAtMs(0).setTask("t").setModel("m").setRule("sgd").setSeed(0)
            .setConfig(Map.of("weightDecay", Double.toString(gamma))).setLayers(List.of()).setStepsPerEpoch(1).setTotalSteps(1)
            .setSnapshotEvery(1).setDtype(io.hebbscope.schema.DType.FLOAT32).build();
        AssembledLayerStep step = new AssembledLayerStep("r", "l", 0, 0, 0, 2, 2, negate(g), g, true, new float[4], new float[4], w, null, run);
        Map<String, Double> v = new StationarityPlugin().analyze(step);
        assertThat(v.get("residual")).isCloseTo(0.0, within(1e-6));
        assertThat(v.get("cosine")).isCloseTo(1.0, within(1e-6));
        assertThat(v.get("ratio")).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void ojaAlignmentOfAHandComputedLayer() {
        // 1 neuron x 2 inputs: H = (2, 0), W = (1, 1), E[h²] = 1 -> O = H - 1 * W = (1, -1)
        float[] hebbian = {2, 0};
        double[] w = {1, 1};
        float[] signal = {1, -1};
        AssembledLayerStep step = new AssembledLayerStep("r", "l", 0, 0, 0, 1, 2, new float[] {0, 1}, signal, false, hebbian,
            new float[] {-1, 1}, w, new float[] {1}, null);
        Map<String, Double> v = new io.hebbscope.analyzer.plugin.examples.OjaAlignmentPlugin().analyze(step);
        assertThat(v.get("signal")).isCloseTo(1.0, within(1e-9));
        // -grad = (0, -1) against (1, -1): 1/sqrt(2)
        assertThat(v.get("gradient")).isCloseTo(Math.sqrt(0.5), within(1e-9));
        assertThat(v.get("update")).isCloseTo(-1.0, within(1e-9));
        // without the statistic there is nothing to say
        AssembledLayerStep without = new AssembledLayerStep("r", "l", 0, 0, 0, 1, 2, new float[] {0, 1}, signal, false, hebbian,
            new float[] {-1, 1}, w, null, null);
        assertThat(new io.hebbscope.analyzer.plugin.examples.OjaAlignmentPlugin().analyze(without)).isEmpty();
    }

    private static float[] negate(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = -x[i];
        }
        return y;
    }

    private static double failures(PrometheusRegistry registry, String plugin) {
        for (var snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals("hebbscope_plugin_failures")) {
                for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) snapshot).getDataPoints()) {
                    if (plugin.equals(p.getLabels().get("plugin"))) {
                        return p.getValue();
                    }
                }
            }
        }
        return 0;
    }
}
