package io.hebbscope.analyzer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.PhaseKind;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyzer's outputs on a fixed log, byte for byte, against those recorded before its performance work
 * (commit 1a8ef53): a faster analyzer must say exactly the same things. The log has two runs, layers of
 * several sizes and block counts, interleaved and duplicated blocks, a bump, oscillations, a stationary tail
 * and bad records, so every detector and the dead-letter path contribute.
 * <p>To re-record after an intended change of outputs: {@code -Dhebbscope.golden.write=DIR} writes the file
 * into DIR; copy it over {@code src/test/resources/golden/}.
 */
class AnalyzerOutputGoldenTest {
    private static final String GOLDEN = "golden/analyzer-outputs.txt";
    private final Topics topics = new Topics("g");
    private final java.util.Set<PhaseKind> phaseKinds = java.util.EnumSet.noneOf(PhaseKind.class);

    @TempDir
    Path stateDir;

    @Test
    void outputsOnAFixedLogAreByteForByteThoseRecordedBefore() throws IOException {
        List<String> actual = run(log());
        String write = System.getProperty("hebbscope.golden.write");
        if (write != null) {
            Files.createDirectories(Path.of(write));
            Files.write(Path.of(write, "analyzer-outputs.txt"), actual);
        }
        List<String> expected;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(GOLDEN)) {
            assertThat(in).as("golden file " + GOLDEN).isNotNull();
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertThat(actual).hasSizeGreaterThan(1000);
        assertThat(phaseKinds).as("the log exercises every detector").containsExactlyInAnyOrder(PhaseKind.BUMP_START,
            PhaseKind.BUMP_PEAK, PhaseKind.BUMP_END, PhaseKind.PHASE_CHANGE, PhaseKind.OSCILLATION, PhaseKind.STATIONARITY);
        for (int i = 0; i < Math.min(actual.size(), expected.size()); i++) {
            assertThat(actual.get(i)).as("output record %d (topic, key, sha-256 of the value)", i).isEqualTo(expected.get(i));
        }
        assertThat(actual).hasSameSizeAs(expected);
    }

    /** One line per output record in each output topic's order: topic, key, SHA-256 of the value bytes. */
    private List<String> run(List<byte[][]> log) {
        StreamsBuilder builder = new StreamsBuilder();
        AnalyzerTopology.build(builder, topics, new AnalyzerSettings(0.2, 0.1, 6, 128),
            new AnalyzerMetrics(new PrometheusRegistry(), 128));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "golden-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        List<String> lines = new ArrayList<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(topics.layerSteps().name(),
                Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
            // the runs are admitted first (a trainer publishes RunStarted before its first step)
            TestInputTopic<String, byte[]> runsIn = driver.createInputTopic(topics.runs().name(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer());
            runsIn.pipeInput(io.hebbscope.schema.Keys.runStarted("run-a"), EventCodec.get().encode(LayerStepFixture.runStarted(
                "run-a", 240, new io.hebbscope.schema.LayerShape("layer0", 0, 12, 10, 4, 3),
                new io.hebbscope.schema.LayerShape("layer1", 1, 7, 5, 7, 1))));
            io.hebbscope.schema.RunStarted b = LayerStepFixture.runStarted("run-b", 240,
                new io.hebbscope.schema.LayerShape("layer0", 0, 16, 9, 4, 4));
            b.setPublishEvery(2);
            runsIn.pipeInput(io.hebbscope.schema.Keys.runStarted("run-b"), EventCodec.get().encode(b));
            for (byte[][] kv : log) {
                in.pipeInput(kv[0], kv[1]);
            }
            for (String topic : List.of(topics.neuronAlignment().name(), topics.layerAlignment().name(),
                topics.phases().name(), topics.deadLetters().name())) {
                for (TestRecord<byte[], byte[]> r : driver.createOutputTopic(topic, Serdes.ByteArray().deserializer(),
                    Serdes.ByteArray().deserializer()).readRecordsToList()) {
                    lines.add(topic + "\t" + (r.key() == null ? "-" : new String(r.key(), StandardCharsets.UTF_8)) + "\t"
                        + sha256(withoutWallClock(topic, r.value())));
                    if (topic.equals(topics.phases().name())) {
                        phaseKinds.add(EventCodec.get().decode(r.value(), PhaseEvent.class).getKind());
                    }
                }
            }
        }
        return lines;
    }

    /**
     * Two runs; run A: a 12x10 layer in 3 blocks and a 7x5 layer in 1; run B: a 16x9 layer in 4 blocks. The
     * learning signal's alignment rises and falls (a bump), the update alternates sign per neuron (oscillation)
     * and ends small and zero-mean (stationary).
     */
    private static List<byte[][]> log() {
        List<Layer> layers = List.of(new Layer("run-a", "layer0", 0, 12, 10, 3, 11), new Layer("run-a", "layer1", 1, 7, 5, 1, 12),
            new Layer("run-b", "layer0", 0, 16, 9, 4, 13));
        List<byte[][]> log = new ArrayList<>();
        Random shuffle = new Random(99);
        int steps = 240;
        for (int t = 0; t < steps; t++) {
            List<byte[][]> records = new ArrayList<>();
            for (Layer layer : layers) {
                // run-b publishes every second step only: previousStep skips
                if (layer.runId.equals("run-b") && t % 2 == 1) {
                    continue;
                }
                records.addAll(layer.step(t, layer.runId.equals("run-b") ? t - 2 : t - 1));
            }
            // blocks of a step arrive in any order, now and then twice
            java.util.Collections.shuffle(records, shuffle);
            if (t % 17 == 3) {
                records.add(records.get(0));
            }
            if (t == 50) {
                records.add(new byte[][] {"run-a/layer0/0".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}});
            }
            log.addAll(records);
        }
        return log;
    }

    private record Layer(String runId, String name, int index, int rows, int cols, int blocks, long seed) {
        List<byte[][]> step(int t, long previous) {
            Random r = new Random(seed * 1_000_003L + t);
            double x = 0.1 + 0.7 * Math.exp(-0.5 * Math.pow((t - 70) / 14.0, 2));
            double scale = t < 180 ? 0.02 : 0.002;
            float[][] terms = new float[4][rows * cols];
            for (int i = 0; i < rows; i++) {
                double u = t < 120 ? x : ((t + i) % 3 == 0 ? 0.7 : -0.7) * (i % 2 == 0 ? 1 : -1);
                for (int c = 0; c < cols; c++) {
                    double h = r.nextGaussian();
                    double p = r.nextGaussian();
                    int k = i * cols + c;
                    terms[2][k] = (float) h;
                    terms[0][k] = (float) -(x * h + p);
                    terms[1][k] = (float) (x * h + 0.5 * p);
                    terms[3][k] = (float) (scale * (u * h + r.nextGaussian()));
                }
            }
            int per = (rows + blocks - 1) / blocks;
            List<byte[][]> out = new ArrayList<>();
            for (int b = 0; b * per < rows; b++) {
                int from = b * per;
                int to = Math.min(rows, from + per);
                LayerStep s = LayerStep.newBuilder().setRunId(runId).setLayer(name).setLayerIndex(index).setStep(t)
                    .setPreviousStep(previous < 0 ? -1 : previous).setEpoch(t / 60).setBlockIndex(b)
                    .setBlockCount((rows + per - 1) / per).setRowOffset(from).setLayerRows(rows).setLayerCols(cols)
                    .setGradient(slice(terms[0], from, to)).setSignal(index == 1 ? slice(terms[1], from, to) : null)
                    .setHebbian(slice(terms[2], from, to)).setUpdate(slice(terms[3], from, to))
                    .setWeights(t % 100 == 0 ? slice(terms[2], from, to) : null)
                    .setTimestampMs(1_000_000L + t).setWeightNorm(5.0 + 0.01 * Math.sin(t / 9.0)).build();
                out.add(new byte[][] {(runId + "/" + name + "/" + b).getBytes(StandardCharsets.UTF_8),
                    EventCodec.get().encode(s)});
            }
            return out;
        }

        private io.hebbscope.schema.Tensor slice(float[] m, int from, int to) {
            return TensorCodec.encode(Arrays.copyOfRange(m, from * cols, to * cols), to - from, cols);
        }
    }

    /** A dead letter records when it was written: that is the one value a rerun may change. */
    private byte[] withoutWallClock(String topic, byte[] value) {
        if (!topic.equals(topics.deadLetters().name())) {
            return value;
        }
        DeadLetter letter = EventCodec.get().decode(value, DeadLetter.class);
        letter.setTimestampMs(0L);
        return EventCodec.get().encode(letter);
    }

    private static String sha256(byte[] value) {
        try {
            return value == null ? "null" : HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
