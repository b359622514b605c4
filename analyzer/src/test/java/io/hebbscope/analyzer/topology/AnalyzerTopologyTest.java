package io.hebbscope.analyzer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.PhaseKind;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyzerTopologyTest {
    private static final double ALPHA = 0.25;
    private final Topics topics = new Topics("t");
    private final AnalyzerSettings settings = new AnalyzerSettings(ALPHA, 0.1, 4, 128);
    private PrometheusRegistry registry;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> layerSteps;
    private TestInputTopic<String, byte[]> trainMetrics;
    private TestInputTopic<String, byte[]> runs;
    private TestOutputTopic<String, NeuronAlignment> neurons;
    private TestOutputTopic<String, LayerAlignment> layers;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;
    private TestOutputTopic<String, PhaseEvent> phases;

    @TempDir
    Path stateDir;

    @BeforeEach
    void start() {
        registry = new PrometheusRegistry();
        StreamsBuilder builder = new StreamsBuilder();
        AnalyzerTopology.build(builder, topics, settings, new AnalyzerMetrics(registry, 128));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props);
        layerSteps = driver.createInputTopic(topics.layerSteps().name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        trainMetrics = driver.createInputTopic(topics.trainMetrics().name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        runs = driver.createInputTopic(topics.runs().name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        neurons = driver.createOutputTopic(topics.neuronAlignment().name(), Serdes.String().deserializer(),
            topics.neuronAlignment().valueSerde().deserializer());
        layers = driver.createOutputTopic(topics.layerAlignment().name(), Serdes.String().deserializer(),
            topics.layerAlignment().valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(topics.deadLetters().name(), Serdes.ByteArray().deserializer(),
            topics.deadLetters().valueSerde().deserializer());
        phases = driver.createOutputTopic(topics.phases().name(), Serdes.String().deserializer(),
            topics.phases().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** Keys left in the assembler's store of steps still waiting for blocks or predecessors. */
    private List<String> pendingSteps() {
        List<String> keys = new ArrayList<>();
        try (var it = driver.<String, Object>getKeyValueStore(StepAssembler.PENDING_STORE).all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    private void send(LayerStep step) {
        layerSteps.pipeInput(Keys.layerBlock(step.getRunId(), step.getLayer(), step.getBlockIndex()), EventCodec.get().encode(step));
    }

    private void start(String runId, long totalSteps, LayerShape... layers) {
        runs.pipeInput(Keys.runStarted(runId), EventCodec.get().encode(LayerStepFixture.runStarted(runId, totalSteps, layers)));
    }

    @Test
    void eachTaskReadsOnlyTheInputsOfItsStage() {
        StreamsBuilder builder = new StreamsBuilder();
        AnalyzerTopology.build(builder, topics, settings, new AnalyzerMetrics(new PrometheusRegistry(), 128));
        // the topics each sub-topology (each task, per partition) reads, repartition topics by their short name
        List<Set<String>> inputs = builder.build().describe().subtopologies().stream()
            .map(sub -> sub.nodes().stream()
                .filter(node -> node instanceof TopologyDescription.Source)
                .flatMap(source -> ((TopologyDescription.Source) source).topicSet().stream())
                .collect(Collectors.toSet()))
            .toList();
        assertThat(inputs).containsExactlyInAnyOrder(
            Set.of(topics.layerSteps().name(), "run-events-repartition"),
            Set.of(topics.layerStats().name()),
            Set.of(topics.runs().name(), topics.trainMetrics().name()),
            Set.of("blocks-repartition", "stats-blocks-repartition"));
    }

    @Test
    void outputsEqualADirectComputation() {
        start("run-1", 6, new LayerStepFixture("run-1", "sgd", 0, 10, 6, 3, false, new long[] {0}, 42).shape(),
            new LayerStepFixture("run-1", "withSignal", 1, 10, 6, 3, true, new long[] {0}, 42).shape());
        for (boolean withSignal : new boolean[] {false, true}) {
            String layer = withSignal ? "withSignal" : "sgd";
            LayerStepFixture f = new LayerStepFixture("run-1", layer, withSignal ? 1 : 0, 10, 6, 3, withSignal,
                new long[] {0, 1, 2, 5}, 42);
            for (int s = 0; s < f.steps.length; s++) {
                f.blocksOf(s).forEach(this::send);
            }
            List<NeuronAlignment> n = neurons.readValuesToList();
            List<LayerAlignment> l = layers.readValuesToList();
            assertThat(n).extracting(NeuronAlignment::getStep).containsExactly(0L, 1L, 2L, 5L);
            assertThat(l).extracting(LayerAlignment::getStep).containsExactly(0L, 1L, 2L, 5L);

            double[] ewma = new double[f.rows];
            java.util.Arrays.fill(ewma, Double.NaN);
            Double layerEwma = null;
            for (int s = 0; s < f.steps.length; s++) {
                float[][] t = f.terms.get(s);
                float[] signal = withSignal ? t[1] : negate(t[0]);
                float[] gradAlign = TensorCodec.decodeFloats(n.get(s).getGradient());
                float[] sigAlign = TensorCodec.decodeFloats(n.get(s).getSignal());
                float[] updAlign = TensorCodec.decodeFloats(n.get(s).getUpdate());
                for (int i = 0; i < f.rows; i++) {
                    double g = LayerStepFixture.rowCosine(t[0], t[2], i, f.cols, -1);
                    double sg = LayerStepFixture.rowCosine(signal, t[2], i, f.cols, 1);
                    double u = LayerStepFixture.rowCosine(t[3], t[2], i, f.cols, 1);
                    assertThat((double) gradAlign[i]).isCloseTo(Double.isNaN(g) ? 0 : g, within(1e-6));
                    assertThat((double) sigAlign[i]).isCloseTo(Double.isNaN(sg) ? 0 : sg, within(1e-6));
                    assertThat((double) updAlign[i]).isCloseTo(Double.isNaN(u) ? 0 : u, within(1e-6));
                    if (!Double.isNaN(sg)) {
                        ewma[i] = Double.isNaN(ewma[i]) ? sg : ALPHA * sg + (1 - ALPHA) * ewma[i];
                    }
                }
                float[] rolling = TensorCodec.decodeFloats(n.get(s).getSignalEwma());
                for (int i = 0; i < f.rows; i++) {
                    assertThat((double) rolling[i]).isCloseTo(Double.isNaN(ewma[i]) ? 0 : ewma[i], within(1e-6));
                }
                double layerSignal = LayerStepFixture.layerCosine(signal, t[2], 1);
                assertThat(l.get(s).getGradient()).isCloseTo(LayerStepFixture.layerCosine(t[0], t[2], -1), within(1e-9));
                assertThat(l.get(s).getSignal()).isCloseTo(layerSignal, within(1e-9));
                assertThat(l.get(s).getUpdate()).isCloseTo(LayerStepFixture.layerCosine(t[3], t[2], 1), within(1e-9));
                layerEwma = layerEwma == null ? layerSignal : ALPHA * layerSignal + (1 - ALPHA) * layerEwma;
                assertThat(l.get(s).getSignalEwma()).isCloseTo(layerEwma, within(1e-9));
                // neuron 0 has a zero Hebbian row: never defined
                assertThat(l.get(s).getUndefinedNeurons()).isEqualTo(1);
                int heb = 0;
                int anti = 0;
                for (int i = 1; i < f.rows; i++) {
                    heb += ewma[i] > 0.1 ? 1 : 0;
                    anti += ewma[i] < -0.1 ? 1 : 0;
                }
                assertThat(l.get(s).getHebbianNeurons()).isEqualTo(heb);
                assertThat(l.get(s).getAntiHebbianNeurons()).isEqualTo(anti);
                assertThat(l.get(s).getHebbianNeurons() + l.get(s).getAntiHebbianNeurons() + l.get(s).getNeutralNeurons()
                    + l.get(s).getUndefinedNeurons()).isEqualTo(f.rows);
            }
            assertThat(gauge("hebbscope_layer_alignment", "run", "run-1", "layer", layer, "signal", "signal"))
                .isCloseTo(l.get(3).getSignal(), within(1e-12));
        }
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void duplicatesAndOutOfOrderBlocksChangeNothing() {
        LayerStepFixture f = new LayerStepFixture("run-2", "layer1", 9, 4, 4, false, new long[] {0, 3, 6, 9, 12}, 7);
        start("run-2", 13, f.shape());
        List<LayerStep> inOrder = new ArrayList<>();
        for (int s = 0; s < f.steps.length; s++) {
            inOrder.addAll(f.blocksOf(s));
        }
        inOrder.forEach(this::send);
        List<NeuronAlignment> expectedNeurons = neurons.readValuesToList();
        List<LayerAlignment> expectedLayers = layers.readValuesToList();
        assertThat(expectedLayers).hasSize(5);

        for (long seed = 1; seed <= 5; seed++) {
            stop();
            start();
            start("run-2", 13, f.shape());
            List<LayerStep> shuffled = new ArrayList<>(inOrder);
            Random r = new Random(seed);
            for (int i = 0; i < 6; i++) {
                shuffled.add(inOrder.get(r.nextInt(inOrder.size())));
            }
            Collections.shuffle(shuffled, r);
            shuffled.forEach(this::send);
            // and a late duplicate of an already emitted step
            send(inOrder.get(0));
            assertThat(neurons.readValuesToList()).isEqualTo(expectedNeurons);
            assertThat(layers.readValuesToList()).isEqualTo(expectedLayers);
            assertThat(deadLetters.isEmpty()).isTrue();
            assertThat(counter("hebbscope_duplicate_blocks_total")).isGreaterThanOrEqualTo(7);
            assertThat(pendingSteps()).isEmpty();
        }
    }

    @Test
    void singleBlockStepsWaitInThePendingStoreOnlyWhileTheirPredecessorIsMissing() {
        LayerStepFixture f = new LayerStepFixture("run-5", "layer1", 5, 3, 1, false, new long[] {0, 2, 4, 6}, 11);
        start("run-5", 7, f.shape());
        TestOutputTopic<String, byte[]> changelog = driver.createOutputTopic(
            "topology-test-" + StepAssembler.PENDING_STORE + "-changelog", Serdes.String().deserializer(),
            Serdes.ByteArray().deserializer());
        f.blocksOf(0).forEach(this::send);
        assertThat(pendingSteps()).isEmpty();
        f.blocksOf(2).forEach(this::send);
        f.blocksOf(3).forEach(this::send);
        assertThat(layers.readValuesToList()).extracting(LayerAlignment::getStep).containsExactly(0L);
        assertThat(pendingSteps()).as("steps 4 and 6 wait for step 2")
            .containsExactly(StepAssembler.stepKey("run-5/layer1", 4), StepAssembler.stepKey("run-5/layer1", 6));
        f.blocksOf(1).forEach(this::send);
        assertThat(layers.readValuesToList()).extracting(LayerAlignment::getStep).containsExactly(2L, 4L, 6L);
        assertThat(pendingSteps()).isEmpty();
        // Steps 0 and 2, released at once, never entered the store: the changelog has only the two that waited,
        // each written and then deleted (a tombstone).
        List<String> changes = new ArrayList<>();
        changelog.readKeyValuesToList().forEach(kv -> changes.add(
            Long.parseLong(kv.key.substring(kv.key.lastIndexOf('/') + 1)) + (kv.value == null ? " deleted" : " written")));
        assertThat(changes).containsExactly("4 written", "6 written", "4 deleted", "6 deleted");

        stop();
        start();
        start("run-5", 7, f.shape());
        for (int s = 0; s < f.steps.length; s++) {
            f.blocksOf(s).forEach(this::send);
        }
        List<LayerAlignment> inOrder = layers.readValuesToList();
        assertThat(inOrder).extracting(LayerAlignment::getStep).containsExactly(0L, 2L, 4L, 6L);
        stop();
        start();
        start("run-5", 7, f.shape());
        for (int s : new int[] {0, 2, 3, 1}) {
            f.blocksOf(s).forEach(this::send);
        }
        assertThat(layers.readValuesToList()).as("the same outputs whatever the arrival order").isEqualTo(inOrder);
    }

    @Test
    void aStepThatNeverCompletesIsGivenUpOnAfterTheWaitLimit() {
        LayerStepFixture f = new LayerStepFixture("run-3", "layer1", 4, 3, 2, false, new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 3);
        start("run-3", 8, f.shape());
        for (int s = 0; s < f.steps.length; s++) {
            List<LayerStep> blocks = f.blocksOf(s);
            if (s == 1) {
                blocks = blocks.subList(0, 1); // block 1 of step 1 is lost
            }
            blocks.forEach(this::send);
        }
        // step 0 emitted; steps 2..7 wait for 1; with a limit of 4 waiting, the fifth forces a skip of step 1
        assertThat(layers.readValuesToList()).extracting(LayerAlignment::getStep).containsExactly(0L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(counter("hebbscope_skipped_steps_total")).isEqualTo(1);
        assertThat(pendingSteps()).as("the skipped step is dropped with the emitted ones").isEmpty();
    }

    @Test
    void badRecordsGoToDeadLettersAndGoodOnesStillFlow() {
        LayerStepFixture f = new LayerStepFixture("run-4", "layer1", 4, 3, 1, false, new long[] {0, 1}, 5);
        start("run-4", 2, f.shape());
        LayerStep good0 = f.blocksOf(0).get(0);
        layerSteps.pipeInput("garbage", new byte[] {1, 2, 3, 4});
        layerSteps.pipeInput("unknown", new byte[] {(byte) 0xC3, 1, 9, 9, 9, 9, 9, 9, 9, 9, 0});
        layerSteps.pipeInput("wrong-type", EventCodec.get().encode(StepMetrics.newBuilder().setRunId("r").setStep(0)
            .setEpoch(0).setTrainLoss(1).setLearningRate(0.1).setTimestampMs(0).build()));
        LayerStep badShape = LayerStep.newBuilder(good0).setHebbian(TensorCodec.encode(new float[6], 2, 3)).build();
        send(badShape);
        float[] withNaN = new float[12];
        withNaN[5] = Float.NaN;
        send(LayerStep.newBuilder(good0).setUpdate(TensorCodec.encode(withNaN, 4, 3)).build());
        float[] withInf = new float[12];
        withInf[0] = Float.POSITIVE_INFINITY;
        send(LayerStep.newBuilder(good0).setGradient(TensorCodec.encode(withInf, 4, 3)).build());
        send(LayerStep.newBuilder(good0).setHebbian(new Tensor(io.hebbscope.schema.DType.FLOAT32, 4, 3,
            ByteBuffer.wrap(new byte[47]))).build());
        send(LayerStep.newBuilder(good0).setBlockIndex(3).build());
        send(LayerStep.newBuilder(good0).setRunId("a/b").build());
        trainMetrics.pipeInput("r", new byte[] {0});
        f.blocksOf(0).forEach(this::send);
        f.blocksOf(1).forEach(this::send);

        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).extracting(DeadLetter::getReason).satisfiesExactly(
            r -> assertThat(r).startsWith("decode:").contains("single-object"),
            r -> assertThat(r).startsWith("decode:").contains("unknown schema fingerprint"),
            r -> assertThat(r).startsWith("decode:").contains("expected LayerStep"),
            r -> assertThat(r).startsWith("shape:").contains("hebbian is 2x3, expected 4x3"),
            r -> assertThat(r).startsWith("non_finite:").contains("update").contains("row 1, column 2"),
            r -> assertThat(r).startsWith("non_finite:").contains("gradient"),
            r -> assertThat(r).startsWith("shape:").contains("needs 48 bytes but has 47"),
            r -> assertThat(r).startsWith("invalid:").contains("block 3 of 1"),
            r -> assertThat(r).startsWith("invalid:").contains("run id 'a/b'"),
            r -> assertThat(r).startsWith("decode:"));
        assertThat(letters.get(0).getSourceTopic()).isEqualTo("t.layer-steps");
        assertThat(letters.get(0).getOffset()).isEqualTo(0L);
        assertThat(letters.get(0).getValue().array()).containsExactly(1, 2, 3, 4);
        assertThat(letters.get(9).getSourceTopic()).isEqualTo("t.train-metrics");
        assertThat(layers.readValuesToList()).extracting(LayerAlignment::getStep).containsExactly(0L, 1L);
        assertThat(counter("hebbscope_dead_letters_total")).isEqualTo(10);
        // 9 bad and 2 good layer steps, 1 bad train metric, the RunStarted
        assertThat(counter("hebbscope_records_processed_total")).isEqualTo(13);
    }

    @Test
    void trainMetricsBecomeGauges() {
        start("run-5", 10, new LayerShape("layer0", 0, 4, 3, 4, 1), new LayerShape("layer1", 1, 4, 3, 4, 1));
        trainMetrics.pipeInput("run-5", EventCodec.get().encode(StepMetrics.newBuilder().setRunId("run-5").setStep(3)
            .setEpoch(0).setTrainLoss(0.75).setValidationLoss(0.8).setLearningRate(0.1).setTimestampMs(0)
            .setWeightNorms(List.of(2.0, 3.0)).build()));
        assertThat(gauge("hebbscope_train_loss", "run", "run-5")).isEqualTo(0.75);
        assertThat(gauge("hebbscope_validation_loss", "run", "run-5")).isEqualTo(0.8);
        assertThat(gauge("hebbscope_weight_norm", "run", "run-5", "layer", "layer1")).isEqualTo(3.0);
    }

    /**
     * A layer whose every neuron's signal and update alignment follow a bump: alignment 0.1, up to 0.9 around
     * step 60, back to 0.1; then the update alignment alternates sign (oscillation). Each step is split into 2
     * blocks; the second pass shuffles the blocks and must give exactly the same phase events.
     */
    @Test
    void aBumpInTheLogBecomesPhaseEventsIdenticallyInAReplay() {
        int rows = 8;
        int cols = 6;
        int steps = 260;
        List<LayerStep> log = new ArrayList<>();
        Random r = new Random(5);
        for (int t = 0; t < steps; t++) {
            double x = 0.1 + 0.8 * Math.exp(-0.5 * Math.pow((t - 60) / 15.0, 2));
            double u = t < 150 ? x : (t % 2 == 0 ? 0.8 : -0.8);
            float[] h = new float[rows * cols];
            float[] g = new float[rows * cols];
            float[] up = new float[rows * cols];
            for (int i = 0; i < rows; i++) {
                double[] hv = new double[cols];
                double[] pv = new double[cols];
                for (int c = 0; c < cols; c++) {
                    hv[c] = r.nextGaussian();
                    pv[c] = r.nextGaussian();
                }
                normalize(hv);
                double dot = 0;
                for (int c = 0; c < cols; c++) {
                    dot += pv[c] * hv[c];
                }
                for (int c = 0; c < cols; c++) {
                    pv[c] -= dot * hv[c];
                }
                normalize(pv);
                for (int c = 0; c < cols; c++) {
                    h[i * cols + c] = (float) hv[c];
                    g[i * cols + c] = (float) -(x * hv[c] + Math.sqrt(1 - x * x) * pv[c]);
                    up[i * cols + c] = (float) (0.01 * (u * hv[c] + Math.sqrt(1 - u * u) * pv[c]));
                }
            }
            for (int b = 0; b < 2; b++) {
                int from = b * rows / 2;
                int to = from + rows / 2;
                log.add(LayerStep.newBuilder().setRunId("run-6").setLayer("layer2").setLayerIndex(2).setStep(t)
                    .setPreviousStep(t - 1).setEpoch(0).setBlockIndex(b).setBlockCount(2).setRowOffset(from)
                    .setLayerRows(rows).setLayerCols(cols)
                    .setGradient(TensorCodec.encode(java.util.Arrays.copyOfRange(g, from * cols, to * cols), rows / 2, cols))
                    .setHebbian(TensorCodec.encode(java.util.Arrays.copyOfRange(h, from * cols, to * cols), rows / 2, cols))
                    .setUpdate(TensorCodec.encode(java.util.Arrays.copyOfRange(up, from * cols, to * cols), rows / 2, cols))
                    .setTimestampMs(t).setWeightNorm(3.0).build());
            }
        }
        LayerShape shape = new LayerShape("layer2", 2, rows, cols, rows / 2, 2);
        start("run-6", steps, shape);
        log.forEach(this::send);
        List<PhaseEvent> live = phases.readValuesToList();
        List<LayerAlignment> layerOut = layers.readValuesToList();
        assertThat(live).extracting(PhaseEvent::getKind).contains(PhaseKind.BUMP_START, PhaseKind.BUMP_PEAK,
            PhaseKind.BUMP_END, PhaseKind.OSCILLATION);
        PhaseEvent peak = live.stream().filter(e -> e.getKind() == PhaseKind.BUMP_PEAK).findFirst().orElseThrow();
        assertThat(peak.getStep()).isBetween(55L, 65L);
        assertThat(peak.getDecidedAtStep()).isGreaterThan(peak.getStep()).isLessThan(100L);
        assertThat(peak.getValues().get("peak")).isCloseTo(0.9, within(0.05));
        PhaseEvent osc = live.stream().filter(e -> e.getKind() == PhaseKind.OSCILLATION).findFirst().orElseThrow();
        assertThat(osc.getValues().get("share")).isEqualTo(1.0);
        assertThat(osc.getValues().get("period")).isCloseTo(2.0, within(0.1));
        LayerAlignment lastLayer = layerOut.get(layerOut.size() - 1);
        assertThat(lastLayer.getOscillatingShare()).isEqualTo(1.0);
        assertThat(lastLayer.getWeightNorm()).isEqualTo(3.0);
        assertThat(lastLayer.getMeanUpdateRatio()).isNotNull();
        assertThat(lastLayer.getUpdateHebbianNeurons() + lastLayer.getUpdateAntiHebbianNeurons()
            + lastLayer.getUpdateNeutralNeurons()).isEqualTo(rows);
        assertThat(gauge("hebbscope_phase_last_step", "run", "run-6", "layer", "layer2", "kind", "bump_peak"))
            .isEqualTo(peak.getStep());

        stop();
        start();
        start("run-6", steps, shape);
        List<LayerStep> shuffled = new ArrayList<>(log);
        // swap the two blocks of every step, and duplicate a few
        for (int i = 0; i + 1 < shuffled.size(); i += 2) {
            Collections.swap(shuffled, i, i + 1);
        }
        shuffled.add(40, log.get(10));
        shuffled.forEach(this::send);
        assertThat(phases.readValuesToList()).isEqualTo(live);
        assertThat(layers.readValuesToList()).isEqualTo(layerOut);
    }

    private static void normalize(double[] v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        n = Math.sqrt(n);
        for (int i = 0; i < v.length; i++) {
            v[i] /= n;
        }
    }

    private static float[] negate(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = -x[i];
        }
        return y;
    }

    /** The value of a gauge's series, labels given as name, value pairs. */
    private double gauge(String name, String... labels) {
        java.util.Map<String, String> wanted = new java.util.HashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(name)) {
                for (GaugeSnapshot.GaugeDataPointSnapshot p : ((GaugeSnapshot) snapshot).getDataPoints()) {
                    java.util.Map<String, String> actual = new java.util.HashMap<>();
                    p.getLabels().forEach(l -> actual.put(l.getName(), l.getValue()));
                    if (actual.equals(wanted)) {
                        return p.getValue();
                    }
                }
            }
        }
        throw new AssertionError("no gauge " + name + wanted);
    }

    private double counter(String name) {
        String base = name.replace("_total", "");
        double sum = 0;
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(base)) {
                for (var p : ((io.prometheus.metrics.model.snapshots.CounterSnapshot) snapshot).getDataPoints()) {
                    sum += p.getValue();
                }
            }
        }
        return sum;
    }
}
