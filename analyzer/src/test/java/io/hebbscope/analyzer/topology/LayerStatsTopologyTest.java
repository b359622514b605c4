package io.hebbscope.analyzer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.analyzer.AdmissionSettings;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.PhaseKind;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.hebbscope.schema.TwinStep;
import io.hebbscope.schema.UpdateSketch;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.LongPredicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyzer's live path on the trainer's per-neuron statistics: one training (a bump in the alignment, then
 * oscillating updates) published as tensors only and as statistics only (computed in float32 arithmetic, as a float32
 * model's trainer does, and blocked differently) gives the same neuron and layer alignments, EWMA, roles and phase
 * events within float tolerance; a step published both ways is analyzed once, from the statistics, and its tensors are
 * checked against them. Statistics go through the same admission of runs as tensors: they wait for their run's
 * RunStarted, go to the dead letters as unknown_run when it never comes, and as run_mismatch when they disagree with it.
 */
class LayerStatsTopologyTest {
    private static final int ROWS = 8;
    private static final int COLS = 6;
    private static final int STEPS = 260;
    /** Statistics computed in float32 move cosines by about 1e-7; EWMA and detector values follow. */
    private static final double TOLERANCE = 1e-5;

    private final Topics topics = new Topics("t");
    private PrometheusRegistry registry;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> layerSteps;
    private TestInputTopic<String, byte[]> layerStats;
    private TestInputTopic<String, byte[]> runs;
    private TestOutputTopic<String, NeuronAlignment> neurons;
    private TestOutputTopic<String, LayerAlignment> layers;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;
    private TestOutputTopic<String, PhaseEvent> phases;
    /** Per step: gradient, hebbian, update, row-major ROWS x COLS. */
    private final List<float[][]> terms = series();

    @TempDir
    Path stateDir;

    @BeforeEach
    void start() {
        registry = new PrometheusRegistry();
        StreamsBuilder builder = new StreamsBuilder();
        AnalyzerTopology.build(builder, topics, new AnalyzerSettings(0.25, 0.1, 4, 128), new AnalyzerMetrics(registry, 128));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "stats-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props);
        layerSteps = driver.createInputTopic(topics.layerSteps().name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        layerStats = driver.createInputTopic(topics.layerStats().name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
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

    /** The analysis of one run, read off the output topics. */
    private record Analysis(List<NeuronAlignment> neurons, List<LayerAlignment> layers, List<PhaseEvent> phases) {}

    private Analysis read(String runId) {
        return new Analysis(
            neurons.readValuesToList().stream().filter(n -> n.getRunId().equals(runId)).toList(),
            layers.readValuesToList().stream().filter(n -> n.getRunId().equals(runId)).toList(),
            phases.readValuesToList().stream().filter(n -> n.getRunId().equals(runId)).toList());
    }

    private static void assertSameAnalysis(Analysis a, Analysis b, double tolerance) {
        assertThat(b.layers()).extracting(LayerAlignment::getStep).isEqualTo(a.layers().stream().map(LayerAlignment::getStep).toList());
        SameAnalysis.assertSame(a.neurons(), b.neurons(), tolerance);
        SameAnalysis.assertSame(a.layers(), b.layers(), tolerance);
        SameAnalysis.assertSame(a.phases(), b.phases(), tolerance);
    }

    @Test
    void statisticsOnlyAndTensorsOnlyGiveTheSameAnalysis() {
        start(runStarted("tensors", 2, 1, 0, 0));
        start(runStarted("stats", 2, 0, 3, 1));
        for (int t = 0; t < STEPS; t++) {
            tensorBlocks("tensors", t, 2, s -> false, DType.FLOAT32).forEach(this::send);
            statsBlocks("stats", t, 3, s -> false).forEach(this::send);
        }
        // read both runs from one pass over the outputs
        List<NeuronAlignment> n = neurons.readValuesToList();
        List<LayerAlignment> l = layers.readValuesToList();
        List<PhaseEvent> p = phases.readValuesToList();
        Analysis tensors = only(n, l, p, "tensors");
        Analysis stats = only(n, l, p, "stats");
        assertThat(tensors.layers()).hasSize(STEPS);
        assertThat(tensors.phases()).extracting(PhaseEvent::getKind).contains(PhaseKind.BUMP_START, PhaseKind.BUMP_PEAK,
            PhaseKind.BUMP_END, PhaseKind.OSCILLATION);
        assertThat(tensors.layers().get(STEPS - 1).getMeanUpdateRatio()).isNotNull();
        assertThat(tensors.layers().get(STEPS - 1).getUpdateHebbianNeurons()
            + tensors.layers().get(STEPS - 1).getUpdateAntiHebbianNeurons()).isPositive();
        assertSameAnalysis(tensors, stats, TOLERANCE);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    private static Analysis only(List<NeuronAlignment> n, List<LayerAlignment> l, List<PhaseEvent> p, String runId) {
        return new Analysis(n.stream().filter(x -> x.getRunId().equals(runId)).toList(),
            l.stream().filter(x -> x.getRunId().equals(runId)).toList(),
            p.stream().filter(x -> x.getRunId().equals(runId)).toList());
    }

    /**
     * Statistics every step and tensors every tenth step: the analysis is exactly the statistics-only one (the tensors
     * of those steps are never counted twice), whether the tensors of a step arrive before or after its statistics,
     * and, float32 or bfloat16, the tensors agree with the statistics within rounding: no dead letters, nothing left
     * waiting.
     */
    @Test
    void aStepPublishedBothWaysIsAnalyzedOnceFromTheStatisticsAndChecked() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.BFLOAT16}) {
            String run = "both-" + dtype.name().toLowerCase();
            start(runStarted(run, 2, 10, 3, 1));
            start(runStarted("stats-" + run, 2, 0, 3, 1));
            for (int t = 0; t < STEPS; t++) {
                statsBlocks("stats-" + run, t, 3, s -> false).forEach(this::send);
                List<LayerStats> stats = statsBlocks(run, t, 3, s -> s % 10 == 0);
                List<LayerStep> tensors = t % 10 == 0 ? tensorBlocks(run, t, 2, s -> true, dtype) : List.of();
                if (t % 20 == 0) { // tensors first
                    tensors.forEach(this::send);
                    stats.forEach(this::send);
                } else {
                    stats.forEach(this::send);
                    tensors.forEach(this::send);
                }
            }
            List<NeuronAlignment> n = neurons.readValuesToList();
            List<LayerAlignment> l = layers.readValuesToList();
            List<PhaseEvent> p = phases.readValuesToList();
            Analysis both = only(n, l, p, run);
            assertThat(both.layers()).hasSize(STEPS);
            assertSameAnalysis(only(n, l, p, "stats-" + run), both, 0.0);
            assertThat(deadLetters.readValuesToList()).as(dtype.name()).isEmpty();
            assertThat(counter("hebbscope_duplicate_blocks_total")).isZero();
            KeyValueStore<String, TwinStep> waiting = driver.getKeyValueStore(TwinCheck.STEPS_STORE);
            try (var it = waiting.all()) {
                assertThat(it.hasNext()).as("twin steps left waiting").isFalse();
            }
        }
    }

    @Test
    void tensorsThatDisagreeWithTheStatisticsAreDeadLettersAndCounted() {
        start(runStarted("stats", 2, 0, 3, 1));
        start(runStarted("mismatch", 2, 10, 3, 1));
        for (int t = 0; t <= 20; t++) {
            statsBlocks("stats", t, 3, s -> false).forEach(this::send);
            statsBlocks("mismatch", t, 3, s -> s % 10 == 0).forEach(this::send);
            if (t % 10 == 0) {
                List<LayerStep> tensors = tensorBlocks("mismatch", t, 2, s -> true, DType.FLOAT32);
                if (t == 10) { // neuron 5 (block 1) has an update 1% larger in the tensors than in the statistics
                    LayerStep b = tensors.get(1);
                    float[] u = TensorCodec.decodeFloats(b.getUpdate());
                    for (int c = 0; c < COLS; c++) {
                        u[COLS + c] *= 1.01f;
                    }
                    b.setUpdate(TensorCodec.encode(u, ROWS / 2, COLS));
                }
                tensors.forEach(this::send);
                if (t == 20) { // a repeated tensor block changes nothing
                    send(tensors.get(0));
                }
            }
        }
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).hasSize(1);
        DeadLetter letter = letters.get(0);
        assertThat(letter.getReason()).startsWith("stats_mismatch: step 10, neuron 5: <U_i,H_i> is");
        assertThat(counter("hebbscope_dead_letters_total")).isEqualTo(1);
        var offending = EventCodec.get().decode(letter.getValue().array(), io.hebbscope.schema.BlockAlignment.class);
        assertThat(offending.getStep()).isEqualTo(10);
        assertThat(offending.getBlockIndex()).isEqualTo(1);
        // the analysis is the statistics' all the same
        List<NeuronAlignment> n = neurons.readValuesToList();
        List<LayerAlignment> l = layers.readValuesToList();
        List<PhaseEvent> p = phases.readValuesToList();
        assertSameAnalysis(only(n, l, p, "stats"), only(n, l, p, "mismatch"), 0.0);
    }

    @Test
    void aSketchOrWeightNormThatDisagreesIsADeadLetterOnTheFirstTensorBlock() {
        start(runStarted("sketch", 2, 1, ROWS, 1));
        start(runStarted("norm", 2, 1, ROWS, 1));
        LayerStats stats = statsBlocks("sketch", 0, ROWS, s -> true).get(0);
        double[] sketch = TensorCodec.decodeDoubles(stats.getUpdateSketch());
        sketch[7] = -sketch[7] + 1e-3; // a sign definition that differs in one of the 32 matrices
        stats.setUpdateSketch(TensorCodec.encodeDoubles(sketch, 1, UpdateSketch.SIZE));
        send(stats);
        tensorBlocks("sketch", 0, 2, s -> true, DType.FLOAT32).forEach(this::send);
        LayerStats norm = statsBlocks("norm", 0, ROWS, s -> true).get(0);
        norm.setWeightNorm(norm.getWeightNorm() * (1 + 1e-6));
        tensorBlocks("norm", 0, 2, s -> true, DType.FLOAT32).forEach(this::send);
        send(norm);
        assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::getReason).satisfiesExactly(
            r -> assertThat(r).startsWith("stats_mismatch: step 0: update sketch s_7 is"),
            r -> assertThat(r).startsWith("stats_mismatch: step 0: weight norm is"));
        assertThat(layers.readValuesToList()).hasSize(2);
    }

    @Test
    void statisticsThatCannotBeAreDeadLetters() {
        start(runStarted("bad", 2, 0, ROWS, 1));
        LayerStats good = statsBlocks("bad", 0, ROWS, s -> false).get(0);
        LayerStats nan = LayerStats.newBuilder(good).build();
        double[] sums = TensorCodec.decodeDoubles(good.getSums());
        double[] withNan = sums.clone();
        withNan[3] = Double.NaN;
        nan.setSums(TensorCodec.encodeDoubles(withNan, ROWS, 7));
        LayerStats negative = LayerStats.newBuilder(good).build();
        double[] withNegative = sums.clone();
        withNegative[7 + 5] = -1;
        negative.setSums(TensorCodec.encodeDoubles(withNegative, ROWS, 7));
        LayerStats impossible = LayerStats.newBuilder(good).build();
        double[] tooAligned = sums.clone();
        tooAligned[7 * 2 + 4] = 2 * Math.sqrt(sums[7 * 2 + 5] * sums[7 * 2 + 6]) + 1;
        impossible.setSums(TensorCodec.encodeDoubles(tooAligned, ROWS, 7));
        LayerStats shape = LayerStats.newBuilder(good).setSums(TensorCodec.encodeDoubles(new double[ROWS * 6], ROWS, 6)).build();
        LayerStats outside = LayerStats.newBuilder(good).setRowOffset(4).build();
        for (LayerStats s : List.of(nan, negative, impossible, shape, outside)) {
            send(s);
        }
        layerStats.pipeInput("bad/layer2/0", new byte[] {1, 2, 3});
        send(good);
        assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::getReason).satisfiesExactly(
            r -> assertThat(r).startsWith("non_finite: sums has a non-finite value NaN at row 0, column 3"),
            r -> assertThat(r).startsWith("invalid: neuron 1: squared norm column 5 is negative"),
            r -> assertThat(r).startsWith("invalid: neuron 2: |dot column 4|").contains("Cauchy-Schwarz"),
            r -> assertThat(r).startsWith("shape: sums is 8x6, expected 8x7"),
            r -> assertThat(r).startsWith("shape: rows 4..12 outside a layer of 8 rows"),
            r -> assertThat(r).startsWith("decode: "));
        assertThat(layers.readValuesToList()).hasSize(1);
    }

    /**
     * Statistics of a run whose RunStarted comes late wait and are then analyzed as if it had come first; those of a
     * run that never starts go to the dead letters as unknown_run after the grace period; every record of the
     * layer-stats topic is accepted, a counted duplicate or a dead letter.
     */
    @Test
    void statisticsWaitForTheirRunStartedAndThoseOfRunsThatNeverStartAreUnknownRuns() {
        start(runStarted("early", 2, 0, 3, 1));
        for (String run : List.of("early", "late", "never")) {
            for (int t = 0; t < 5; t++) {
                statsBlocks(run, t, 3, s -> false).forEach(this::send);
            }
        }
        send(statsBlocks("early", 4, 3, s -> false).get(1)); // a duplicate
        List<LayerAlignment> early = layers.readValuesToList();
        assertThat(early).hasSize(5);
        assertThat(deadLetters.isEmpty()).as("the others wait for their RunStarted").isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(10));
        start(runStarted("late", 2, 0, 3, 1));
        List<LayerAlignment> late = layers.readValuesToList();
        assertThat(late).extracting(LayerAlignment::getRunId).containsOnly("late");
        SameAnalysis.assertSame(early, late, 0.0);

        driver.advanceWallClockTime(AdmissionSettings.DEFAULTS.unknownRunGrace());
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).hasSize(5 * 3).allSatisfy(d -> {
            assertThat(d.getReason()).startsWith("unknown_run: ");
            assertThat(d.getSourceTopic()).isEqualTo(topics.layerStats().name());
            assertThat(new String(d.getKey().array(), StandardCharsets.UTF_8)).startsWith("never/layer2/");
        });
        assertThat(layers.isEmpty()).isTrue();
        String topic = topics.layerStats().name();
        assertThat(counters("hebbscope_dead_letters")).containsEntry(topic + "/unknown_run", 15.0);
        assertThat(counters("hebbscope_records_processed")).containsEntry(topic, 46.0);
        assertThat(counters("hebbscope_records_accepted")).containsEntry(topic, 30.0);
        assertThat(counters("hebbscope_duplicate_records")).containsEntry(topic, 1.0);
    }

    /**
     * Statistics (and tensors published with them) that disagree with their run's RunStarted are dead letters with
     * reason run_mismatch: a run that says it publishes no statistics, statistics blocked otherwise than it says,
     * a layer of another shape; the tensors of a run of both kinds are checked against its tensor blocks.
     */
    @Test
    void statisticsInconsistentWithTheirRunStartedAreRunMismatches() {
        start(runStarted("no-stats", 2, 1, 0, 0));
        start(runStarted("blocked", 2, 0, 4, 1));
        start(runStarted("shape", 2, 0, 3, 1));
        start(runStarted("both", 2, 1, 3, 1));
        statsBlocks("no-stats", 0, 3, s -> false).forEach(this::send);
        tensorBlocks("no-stats", 0, 2, s -> true, DType.FLOAT32).forEach(this::send);
        statsBlocks("blocked", 0, 3, s -> false).forEach(this::send);
        statsBlocks("shape", 0, 3, s -> false).forEach(s -> send(LayerStats.newBuilder(s).setLayerCols(COLS + 1).build()));
        statsBlocks("both", 0, 3, s -> true).forEach(this::send);
        tensorBlocks("both", 0, 4, s -> true, DType.FLOAT32).forEach(this::send);
        assertThat(deadLetters.readValuesToList()).extracting(d -> d.getSourceTopic() + " " + d.getReason()).satisfiesExactly(
            r -> assertThat(r).startsWith("t.layer-stats run_mismatch: statistics, RunStarted says the run publishes no statistics"),
            r -> assertThat(r).startsWith("t.layer-stats run_mismatch: statistics, RunStarted says the run publishes no statistics"),
            r -> assertThat(r).startsWith("t.layer-stats run_mismatch: statistics, RunStarted says the run publishes no statistics"),
            r -> assertThat(r).startsWith("t.layer-steps run_mismatch: tensors published with statistics (withStats), RunStarted"
                + " says the run publishes no statistics"),
            r -> assertThat(r).startsWith("t.layer-steps run_mismatch: tensors published with statistics"),
            r -> assertThat(r).startsWith("t.layer-stats run_mismatch: 3 statistics blocks, RunStarted says 2"),
            r -> assertThat(r).startsWith("t.layer-stats run_mismatch: 3 statistics blocks, RunStarted says 2"),
            r -> assertThat(r).startsWith("t.layer-stats run_mismatch: 3 statistics blocks, RunStarted says 2"),
            r -> assertThat(r).startsWith("t.layer-stats run_mismatch: layer 8x7, RunStarted says 8x6"),
            r -> assertThat(r).startsWith("t.layer-stats run_mismatch: layer 8x7, RunStarted says 8x6"),
            r -> assertThat(r).startsWith("t.layer-stats run_mismatch: layer 8x7, RunStarted says 8x6"),
            r -> assertThat(r).startsWith("t.layer-steps run_mismatch: 4 blocks, RunStarted says 2"),
            r -> assertThat(r).startsWith("t.layer-steps run_mismatch: 4 blocks, RunStarted says 2"),
            r -> assertThat(r).startsWith("t.layer-steps run_mismatch: 4 blocks, RunStarted says 2"),
            r -> assertThat(r).startsWith("t.layer-steps run_mismatch: 4 blocks, RunStarted says 2"));
        // the statistics of "both" agree with it: its step is analyzed from them
        assertThat(layers.readValuesToList()).extracting(LayerAlignment::getRunId).containsExactly("both");
    }

    /**
     * The RunStarted of a run of layer2 (ROWS x COLS) over STEPS steps: tensors every {@code publishEvery} steps in
     * {@code tensorBlocks} blocks, statistics every {@code statsEvery} steps in blocks of {@code statsRows} rows.
     */
    private static RunStarted runStarted(String runId, int tensorBlocks, int publishEvery, int statsRows, int statsEvery) {
        int per = ROWS / tensorBlocks;
        return RunStarted.newBuilder(LayerStepFixture.runStarted(runId, STEPS, new LayerShape("layer2", 2, ROWS, COLS, per,
            tensorBlocks))).setPublishEvery(publishEvery).setStatsEvery(statsEvery).setStatsRowsPerBlock(statsRows).build();
    }

    private void start(RunStarted run) {
        runs.pipeInput(Keys.runStarted(run.getRunId()), EventCodec.get().encode(run));
    }

    private void send(LayerStep step) {
        layerSteps.pipeInput(step.getRunId() + "/" + step.getLayer() + "/" + step.getBlockIndex(), EventCodec.get().encode(step));
    }

    private void send(LayerStats stats) {
        layerStats.pipeInput(stats.getRunId() + "/" + stats.getLayer() + "/" + stats.getBlockIndex(), EventCodec.get().encode(stats));
    }

    /** The LayerStep blocks of step t (blocks of ROWS / blocks rows). */
    private List<LayerStep> tensorBlocks(String runId, int t, int blocks, LongPredicate withStats, DType dtype) {
        float[][] m = terms.get(t);
        List<LayerStep> out = new ArrayList<>();
        int per = ROWS / blocks;
        for (int b = 0; b < blocks; b++) {
            int from = b * per;
            out.add(LayerStep.newBuilder().setRunId(runId).setLayer("layer2").setLayerIndex(2).setStep(t)
                .setPreviousStep(t == 0 ? -1 : t - (withStats.test(t) ? 10 : 1)).setEpoch(0).setBlockIndex(b)
                .setBlockCount(blocks).setRowOffset(from).setLayerRows(ROWS).setLayerCols(COLS)
                .setGradient(slice(m[0], from, per, dtype)).setHebbian(slice(m[1], from, per, dtype))
                .setUpdate(slice(m[2], from, per, dtype)).setTimestampMs(t).setWeightNorm(3.0 + t * 1e-3)
                .setWithStats(withStats.test(t)).build());
        }
        return out;
    }

    private static Tensor slice(float[] m, int fromRow, int rows, DType dtype) {
        return TensorCodec.encode(Arrays.copyOfRange(m, fromRow * COLS, (fromRow + rows) * COLS), rows, COLS, dtype);
    }

    /**
     * The LayerStats blocks of step t, of {@code rowsPerBlock} rows, computed as a float32 trainer does: float32
     * products summed in float32 (the last block may be shorter).
     */
    private List<LayerStats> statsBlocks(String runId, int t, int rowsPerBlock, LongPredicate withTensors) {
        float[][] m = terms.get(t);
        List<LayerStats> out = new ArrayList<>();
        int blocks = (ROWS + rowsPerBlock - 1) / rowsPerBlock;
        for (int b = 0; b < blocks; b++) {
            int from = b * rowsPerBlock;
            int n = Math.min(ROWS, from + rowsPerBlock) - from;
            double[] sums = new double[n * 7];
            for (int i = 0; i < n; i++) {
                int row = from + i;
                float gh = 0;
                float gg = 0;
                float uh = 0;
                float uu = 0;
                float hh = 0;
                for (int c = 0; c < COLS; c++) {
                    float g = m[0][row * COLS + c];
                    float h = m[1][row * COLS + c];
                    float u = m[2][row * COLS + c];
                    gh += g * h;
                    gg += g * g;
                    uh += u * h;
                    uu += u * u;
                    hh += h * h;
                }
                double[] r = {-gh, gg, -gh, gg, uh, uu, hh};
                System.arraycopy(r, 0, sums, i * 7, 7);
            }
            double[] sketch = UpdateSketch.byHistogram(FloatBuffer.wrap(m[2]), from * COLS, from, n, COLS);
            out.add(LayerStats.newBuilder().setRunId(runId).setLayer("layer2").setLayerIndex(2).setStep(t)
                .setPreviousStep(t - 1).setEpoch(0).setBlockIndex(b).setBlockCount(blocks).setRowOffset(from)
                .setLayerRows(ROWS).setLayerCols(COLS).setSums(TensorCodec.encodeDoubles(sums, n, 7))
                .setUpdateSketch(TensorCodec.encodeDoubles(sketch, 1, UpdateSketch.SIZE))
                .setWeightNorm(3.0 + t * 1e-3).setTimestampMs(t).setWithTensors(withTensors.test(t))
                .setRoundoff(0x1p-24).build());
        }
        return out;
    }

    /**
     * A layer whose signal alignment rises to a bump (peak 0.9 at step 60, base 0.13) and whose updates oscillate in sign from
     * step 150 (as in AnalyzerTopologyTest), with unit Hebbian rows.
     */
    private static List<float[][]> series() {
        Random r = new Random(5);
        List<float[][]> out = new ArrayList<>();
        for (int t = 0; t < STEPS; t++) {
            // the base level stays clear of the role threshold 0.1: a role is a threshold on a float
            double x = 0.13 + 0.77 * Math.exp(-0.5 * Math.pow((t - 60) / 15.0, 2));
            double u = t < 150 ? x : (t % 2 == 0 ? 0.8 : -0.8);
            float[] h = new float[ROWS * COLS];
            float[] g = new float[ROWS * COLS];
            float[] up = new float[ROWS * COLS];
            for (int i = 0; i < ROWS; i++) {
                double[] hv = new double[COLS];
                double[] pv = new double[COLS];
                for (int c = 0; c < COLS; c++) {
                    hv[c] = r.nextGaussian();
                    pv[c] = r.nextGaussian();
                }
                normalize(hv);
                double dot = 0;
                for (int c = 0; c < COLS; c++) {
                    dot += pv[c] * hv[c];
                }
                for (int c = 0; c < COLS; c++) {
                    pv[c] -= dot * hv[c];
                }
                normalize(pv);
                for (int c = 0; c < COLS; c++) {
                    h[i * COLS + c] = (float) hv[c];
                    g[i * COLS + c] = (float) -(x * hv[c] + Math.sqrt(1 - x * x) * pv[c]);
                    up[i * COLS + c] = (float) (0.01 * (u * hv[c] + Math.sqrt(1 - u * u) * pv[c]));
                }
            }
            out.add(new float[][] {g, h, up});
        }
        return out;
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

    private Map<String, Double> counters(String name) {
        Map<String, Double> out = new TreeMap<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(name)) {
                for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) snapshot).getDataPoints()) {
                    List<String> values = new ArrayList<>();
                    for (String label : List.of("topic", "reason")) {
                        if (p.getLabels().contains(label)) {
                            values.add(p.getLabels().get(label));
                        }
                    }
                    out.merge(String.join("/", values), p.getValue(), Double::sum);
                }
            }
        }
        return out;
    }

    private double counter(String name) {
        String base = name.replace("_total", "");
        double sum = 0;
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(base)) {
                for (var p : ((CounterSnapshot) snapshot).getDataPoints()) {
                    sum += p.getValue();
                }
            }
        }
        return sum;
    }
}
