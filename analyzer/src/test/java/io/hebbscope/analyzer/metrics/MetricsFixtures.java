package io.hebbscope.analyzer.metrics;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.topology.AnalyzerTopology;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The analyzer's topology on a TopologyTestDriver with a given AnalyzerMetrics, and events to feed it. */
final class MetricsFixtures implements AutoCloseable {
    /** LayerStep s of every fixture run was published at PUBLISHED_AT_MS + s seconds. */
    static final long PUBLISHED_AT_MS = 1_700_000_000_000L;
    final Topics topics = new Topics("m");
    final TopologyTestDriver driver;
    final TestInputTopic<String, byte[]> layerSteps;
    final TestInputTopic<String, byte[]> trainMetrics;
    final TestInputTopic<String, byte[]> runs;

    MetricsFixtures(AnalyzerMetrics metrics, int maxNeuronSeries, Path stateDir) {
        StreamsBuilder builder = new StreamsBuilder();
        AnalyzerTopology.build(builder, topics, new AnalyzerSettings(0.5, 0.1, 4, maxNeuronSeries), metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props);
        layerSteps = input(topics.layerSteps().name());
        trainMetrics = input(topics.trainMetrics().name());
        runs = input(topics.runs().name());
    }

    private TestInputTopic<String, byte[]> input(String topic) {
        return driver.createInputTopic(topic, Serdes.String().serializer(), Serdes.ByteArray().serializer());
    }

    /** A run of layers layer0, layer1, ... of {@code rows} neurons, 8 inputs, one block each. */
    void runStarted(String run, int... rows) {
        List<LayerShape> shapes = new ArrayList<>();
        for (int l = 0; l < rows.length; l++) {
            shapes.add(new LayerShape("layer" + l, l, rows[l], 8, rows[l], 1));
        }
        runStarted(run, shapes.toArray(LayerShape[]::new));
    }

    /** The shape of layer{@code index} as {@link #layerSteps} publishes it. */
    static LayerShape shape(int index, int rows, int cols, int blocks) {
        int per = (rows + blocks - 1) / blocks;
        return new LayerShape("layer" + index, index, rows, cols, per, (rows + per - 1) / per);
    }

    void runStarted(String run, LayerShape... shapes) {
        RunStarted started = RunStarted.newBuilder().setRunId(run).setStartedAtMs(1).setTask("sre").setModel("mlp")
            .setRule("sgd").setSeed(7).setConfig(Map.of("weightDecay", "0.001", "noiseSigma", "0.0", "learningRate", "0.1",
                "widths", "8-16", "activation", "tanh", "batchSize", "32"))
            .setLayers(List.of(shapes)).setStepsPerEpoch(10).setTotalSteps(100).setSnapshotEvery(1000).setDtype(DType.FLOAT32).build();
        runs.pipeInput(Keys.runStarted(run), EventCodec.get().encode(started));
    }

    void runFinished(String run) {
        runs.pipeInput(Keys.runFinished(run), EventCodec.get().encode(new RunFinished(run, 2L, 3L, "completed", 0.5, 0.6)));
    }

    void stepMetrics(String run, long step, int layers) {
        double[] norms = new double[layers];
        Arrays.fill(norms, 1.5);
        StepMetrics m = StepMetrics.newBuilder().setRunId(run).setStep(step).setEpoch(0).setTrainLoss(0.25)
            .setValidationLoss(0.3).setLearningRate(0.1).setTimestampMs(1000 + step)
            .setWeightNorms(Arrays.stream(norms).boxed().toList()).build();
        trainMetrics.pipeInput(run, EventCodec.get().encode(m));
    }

    /** Publishes steps 0..steps-1 of a layer of random Gaussian terms (every neuron defined), in {@code blocks} blocks. */
    void layerSteps(String run, String layer, int rows, int cols, int blocks, int steps, long seed) {
        Random r = new Random(seed);
        int per = (rows + blocks - 1) / blocks;
        for (int s = 0; s < steps; s++) {
            for (int b = 0; b * per < rows; b++) {
                int n = Math.min(rows, (b + 1) * per) - b * per;
                LayerStep step = LayerStep.newBuilder().setRunId(run).setLayer(layer)
                    .setLayerIndex(layer.matches("layer\\d+") ? Integer.parseInt(layer.substring(5)) : 0).setStep(s)
                    .setPreviousStep(s - 1).setEpoch(0).setBlockIndex(b).setBlockCount((rows + per - 1) / per)
                    .setRowOffset(b * per).setLayerRows(rows).setLayerCols(cols)
                    .setGradient(random(r, n, cols)).setHebbian(random(r, n, cols)).setUpdate(random(r, n, cols))
                    .setTimestampMs(PUBLISHED_AT_MS + 1000L * s).build();
                layerSteps.pipeInput(Keys.layerBlock(run, layer, b), EventCodec.get().encode(step));
            }
        }
    }

    private static io.hebbscope.schema.Tensor random(Random r, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return TensorCodec.encode(v, rows, cols);
    }

    /** The exported series, one line each, as Prometheus would store them (text format, comments dropped). */
    static List<String> series(PrometheusRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    }

    /** The value of the only series whose line starts with {@code prefix} and contains every fragment. */
    static double value(List<String> series, String prefix, String... fragments) {
        List<String> hits = select(series, prefix, fragments);
        if (hits.size() != 1) {
            throw new AssertionError("expected one series " + prefix + " " + Arrays.toString(fragments) + ", got " + hits);
        }
        String line = hits.get(0);
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    static List<String> select(List<String> series, String prefix, String... fragments) {
        return series.stream().filter(l -> l.startsWith(prefix + "{") || l.startsWith(prefix + " "))
            .filter(l -> Arrays.stream(fragments).allMatch(l::contains)).toList();
    }

    @Override
    public void close() {
        driver.close();
    }
}
