package io.hebbscope.cli.python;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.cli.TopicReader;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.TopicPartitions;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.TrainingStep;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.model.Mlp;
import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.probe.Probe;
import io.hebbscope.trainer.rules.Adam;
import io.hebbscope.trainer.rules.Regularizers;
import io.hebbscope.trainer.rules.Sgd;
import io.hebbscope.trainer.rules.UpdateRule;
import io.hebbscope.trainer.rules.WeightNoise;
import io.hebbscope.trainer.tasks.MseLoss;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The PyTorch client against the Java side of the contract: its schema fingerprints equal Java's
 * {@code SchemaNormalization.parsingFingerprint64}, Java's {@link EventCodec} decodes what it encodes, and the same
 * steps trained by the Java trainer and by PyTorch from identical weights and batches give the same gradient,
 * Hebbian term, update and learning signal within float32 rounding (SGD, Adam, AdamW), read back from a real broker.
 */
class PythonClientContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedKafkaBroker broker;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        PythonClient.assumeAvailable();
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Properties client() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return p;
    }

    @Test
    void fingerprintsEqualJavasAndJavaDecodesWhatPythonEncodes() throws Exception {
        JsonNode out = JSON.readTree(PythonClient.run(Duration.ofMinutes(3), dir,
            PythonClient.file("tests/crosslang/fingerprints.py").toString()));
        List<Class<? extends SpecificRecord>> types = new ArrayList<>(EventCodec.EVENT_TYPES);
        types.add(Tensor.class);
        for (Class<? extends SpecificRecord> type : types) {
            long java = SchemaNormalization.parsingFingerprint64(SpecificData.get().getSchema(type));
            JsonNode python = out.get("fingerprints").get(type.getSimpleName());
            assertThat(python).as("python fingerprint of %s", type.getSimpleName()).isNotNull();
            assertThat(python.asLong()).as("fingerprint of %s", type.getSimpleName()).isEqualTo(java);
        }
        EventCodec codec = EventCodec.get();
        JsonNode samples = out.get("samples");
        RunStarted started = codec.decode(hex(samples, "RunStarted"), RunStarted.class);
        assertThat(started.getRunId()).isEqualTo("py-run");
        assertThat(started.getDtype()).isEqualTo(DType.BFLOAT16);
        assertThat(started.getLayers().get(0).getBlocks()).isEqualTo(2);
        assertThat(started.getConfig()).containsEntry("learningRate", "0.01");
        LayerStep step = codec.decode(hex(samples, "LayerStep"), LayerStep.class);
        assertThat(TensorCodec.decodeFloats(step.getGradient())).containsExactly(1.5f, -2f, 0.25f, 3f, 0f, -1f);
        assertThat(TensorCodec.decodeFloats(step.getSignal())).containsExactly(-1.5f, 2f, -0.25f, -3f, -0f, 1f);
        assertThat(TensorCodec.decodeFloats(step.getUpdate())).containsExactly(1.5f, -2f, 0.25f, 3f, 0f, -1f);
        assertThat(step.getUpdate().getDtype()).isEqualTo(DType.BFLOAT16);
        assertThat(step.getWeights()).isNull();
        assertThat(TensorCodec.decodeFloats(step.getOutputSquareMean())).containsExactly(0.5f, 4f);
        assertThat(step.getWeightNorm()).isEqualTo(2.5);
        StepMetrics metrics = codec.decode(hex(samples, "StepMetrics"), StepMetrics.class);
        assertThat(metrics.getValidationAccuracy()).isEqualTo(0.75);
        assertThat(metrics.getWeightNorms()).containsExactly(2.5, 1.0);
        RunFinished finished = codec.decode(hex(samples, "RunFinished"), RunFinished.class);
        assertThat(finished.getFinalValidationLoss()).isEqualTo(0.5);
        assertThat(finished.getStatus()).isEqualTo("completed");
    }

    private static byte[] hex(JsonNode samples, String name) {
        return HexFormat.of().parseHex(samples.get(name).asText());
    }

    /** One layer's terms at one step, row-major. */
    record Terms(double[] gradient, double[] signal, double[] hebbian, double[] update, double[] outputSquareMean) {
        /** gradient, hebbian, update, signal, outputSquareMean by number. */
        double[] get(int k) {
            return switch (k) {
                case 0 -> gradient;
                case 1 -> hebbian;
                case 2 -> update;
                case 3 -> signal;
                default -> outputSquareMean;
            };
        }
    }

    private static final int[] WIDTHS = {32, 128, 128, 32};
    private static final int BATCH = 64;
    private static final int STEPS = 3;
    private static final double LR = 0.01;
    private static final double DECAY = 5e-3;

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw"})
    void theSameStepsInJavaAndPyTorchGiveTheSameTerms(String rule) throws Exception {
        long seed = rule.hashCode();
        Mlp model = Mlp.create(List.of(WIDTHS[0], WIDTHS[1], WIDTHS[2], WIDTHS[3]), Activation.TANH, 1.0, seed,
            DataType.FLOAT);
        SplittableRandom random = new SplittableRandom(seed);
        List<float[][]> xs = new ArrayList<>();
        List<float[][]> ys = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            xs.add(gaussian(random, BATCH, WIDTHS[0]));
            ys.add(gaussian(random, BATCH, WIDTHS[3]));
        }
        String runId = "crosslang-" + rule;
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("bootstrapServers", broker.bootstrapServers());
        spec.put("topicPrefix", "xl");
        spec.put("runId", runId);
        spec.put("rule", rule);
        spec.put("learningRate", LR);
        spec.put("weightDecay", DECAY);
        spec.put("beta1", 0.9);
        spec.put("beta2", 0.999);
        spec.put("epsilon", 1e-8);
        spec.put("maxBlockBytes", 16 * 1024);
        List<float[][]> weights = new ArrayList<>();
        List<float[]> biases = new ArrayList<>();
        // Mlp.create draws the start; its float32 values are the start of both languages.
        for (int l = 0; l < model.layerCount(); l++) {
            weights.add(model.weight(l).toFloatMatrix());
            biases.add(model.bias(l).toFloatVector());
        }
        spec.put("weights", weights);
        spec.put("biases", biases);
        List<Map<String, Object>> batches = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            batches.add(Map.of("x", xs.get(s), "y", ys.get(s)));
        }
        spec.put("batches", batches);
        Path specFile = dir.resolve(runId + ".json");
        JSON.writeValue(specFile.toFile(), spec);
        String output = PythonClient.run(Duration.ofMinutes(5), dir,
            PythonClient.file("tests/crosslang/train_steps.py").toString(), specFile.toString());
        assertThat(output).contains("published " + STEPS + " steps");

        // The Java trainer's steps on the same weights and batches, in float32 and, as the yardstick of float32
        // rounding, in float64.
        Map<String, Terms> java = javaSteps(rule, weights, biases, xs, ys, DataType.FLOAT);
        Map<String, Terms> exact = javaSteps(rule, weights, biases, xs, ys, DataType.DOUBLE);
        Map<String, Terms> python = assemble(TopicReader.readAll(client(), new Topics("xl").layerSteps()).stream()
            .filter(e -> e.getRunId().equals(runId)).toList(), weights);
        assertThat(python.keySet()).containsExactlyInAnyOrderElementsOf(java.keySet());
        assertJavaPartitions(runId, "xl.layer-steps", "xl.train-metrics");
        String[] names = {"gradient", "hebbian", "update", "signal", "outputSquareMean"};
        double[] worst = new double[names.length];
        double[] floor = new double[names.length];
        for (String key : java.keySet()) {
            Terms j = java.get(key);
            Terms p = python.get(key);
            Terms e = exact.get(key);
            if (rule.equals("sgd")) {
                assertThat(p.signal()).as("SGD sends no signal (it is -gradient)").isNull();
                assertThat(j.signal()).isNull();
            }
            for (int k = 0; k < names.length; k++) {
                if (j.get(k) != null) {
                    worst[k] = Math.max(worst[k], relativeDifference(p.get(k), j.get(k)));
                    floor[k] = Math.max(floor[k], relativeDifference(j.get(k), e.get(k)));
                }
            }
        }
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT, "cross-language %s (%d steps, %d layers, "
            + "batch %d): max relative difference max|python - java| / max|java| [java float32 vs float64 alone]:",
            rule, STEPS, java.size() / STEPS, BATCH));
        for (int k = 0; k < names.length; k++) {
            if (k == 3 && rule.equals("sgd")) {
                report.append(" signal none sent (-gradient);");
                continue;
            }
            report.append(String.format(Locale.ROOT, " %s %.3g [%.3g];", names[k], worst[k], floor[k]));
        }
        System.out.println(report);
        for (int k = 0; k < names.length; k++) {
            // PyTorch and ND4J round differently, each about as far from the exact value as float32 allows: their
            // difference stays within a small multiple of Java's own float32-vs-float64 difference.
            assertThat(worst[k]).as("%s: %s", names[k], report).isLessThanOrEqualTo(10 * floor[k] + 1e-7);
        }
    }

    /** Each of the run's records sits on the partition the Java producer's default partitioner gives its key. */
    private static void assertJavaPartitions(String runId, String... topics) {
        Properties p = client();
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        int checked = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (String topic : topics) {
                List<TopicPartition> parts = TopicPartitions.assignFromBeginning(c, topic);
                Map<TopicPartition, Long> end = c.endOffsets(parts);
                while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
                        String key = new String(r.key(), StandardCharsets.UTF_8);
                        if (key.equals(runId) || key.startsWith(runId + "/")) {
                            assertThat(r.partition()).as("partition of %s in %s", key, topic)
                                .isEqualTo(Utils.toPositive(Utils.murmur2(r.key())) % parts.size());
                            checked++;
                        }
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(STEPS);
    }

    /** The Java trainer's probe terms of STEPS steps of {@code rule} from the given start, in {@code dtype}. */
    private static Map<String, Terms> javaSteps(String rule, List<float[][]> weights, List<float[]> biases,
                                                List<float[][]> xs, List<float[][]> ys, DataType dtype) {
        List<INDArray> ws = new ArrayList<>();
        List<INDArray> bs = new ArrayList<>();
        for (int l = 0; l < weights.size(); l++) {
            ws.add(Nd4j.create(weights.get(l)).castTo(dtype));
            bs.add(Nd4j.create(biases.get(l)).castTo(dtype));
        }
        Mlp model = Mlp.of(ws, bs, Activation.TANH);
        UpdateRule javaRule = switch (rule) {
            case "sgd" -> new Sgd(Regularizers.decay(DECAY));
            case "adam" -> new Adam(0.9, 0.999, 1e-8, false, Regularizers.decay(DECAY));
            default -> new Adam(0.9, 0.999, 1e-8, true, Regularizers.decay(DECAY));
        };
        TrainingStep training = new TrainingStep(model, new MseLoss(), javaRule, WeightNoise.none(),
            new Probe(model.layers()));
        Map<String, Terms> out = new LinkedHashMap<>();
        for (int s = 0; s < STEPS; s++) {
            INDArray x = Nd4j.create(xs.get(s)).castTo(dtype);
            INDArray y = Nd4j.create(ys.get(s)).castTo(dtype);
            TrainingStep.Outcome outcome = training.run(s, LR, x, y, true);
            for (LayerTerms t : outcome.terms()) {
                out.put(t.layer().name() + "/" + s, new Terms(doubles(t.gradient()),
                    t.signal() == null ? null : doubles(t.signal()), doubles(t.hebbian()), doubles(t.update()),
                    doubles(t.outputSquareMean())));
            }
        }
        return out;
    }

    /** Python's LayerSteps per layer/step, blocks joined; checks the blocks and the step-0 snapshot on the way. */
    private static Map<String, Terms> assemble(List<LayerStep> events, List<float[][]> initialWeights) {
        Map<String, List<LayerStep>> byStep = new LinkedHashMap<>();
        for (LayerStep e : events) {
            byStep.computeIfAbsent(e.getLayer() + "/" + e.getStep(), k -> new ArrayList<>()).add(e);
        }
        Map<String, Terms> out = new LinkedHashMap<>();
        byStep.forEach((key, blocks) -> {
            blocks.sort((a, b) -> Integer.compare(a.getBlockIndex(), b.getBlockIndex()));
            LayerStep first = blocks.get(0);
            assertThat(blocks).as(key).hasSize(first.getBlockCount());
            assertThat(first.getPreviousStep()).isEqualTo(first.getStep() - 1);
            int rows = first.getLayerRows();
            int cols = first.getLayerCols();
            double[] g = new double[rows * cols];
            double[] s = blocks.get(0).getSignal() == null ? null : new double[rows * cols];
            double[] h = new double[rows * cols];
            double[] u = new double[rows * cols];
            double[] w = first.getWeights() == null ? null : new double[rows * cols];
            double[] o = new double[rows];
            int expectedOffset = 0;
            for (LayerStep b : blocks) {
                assertThat(b.getRowOffset()).isEqualTo(expectedOffset);
                int at = b.getRowOffset() * cols;
                copy(b.getGradient(), g, at);
                if (s != null) {
                    copy(b.getSignal(), s, at);
                }
                copy(b.getHebbian(), h, at);
                copy(b.getUpdate(), u, at);
                if (w != null) {
                    copy(b.getWeights(), w, at);
                }
                copy(b.getOutputSquareMean(), o, b.getRowOffset());
                expectedOffset += b.getGradient().getRows();
            }
            assertThat(expectedOffset).isEqualTo(rows);
            if (first.getStep() == 0) {
                assertThat(w).as("weight snapshot of step 0").isNotNull();
                float[][] initial = initialWeights.get(first.getLayerIndex());
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        assertThat(w[r * cols + c]).isEqualTo((double) initial[r][c]);
                    }
                }
            }
            out.put(key, new Terms(g, s, h, u, o));
        });
        return out;
    }

    private static void copy(Tensor t, double[] into, int at) {
        double[] v = TensorCodec.decodeDoubles(t);
        System.arraycopy(v, 0, into, at, v.length);
    }

    private static double relativeDifference(double[] a, double[] b) {
        assertThat(a).hasSameSizeAs(b);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    private static double[] doubles(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    private static float[][] gaussian(SplittableRandom random, int rows, int cols) {
        float[][] m = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                // Box-Muller, one value per pair: enough for test inputs
                double u1 = 1.0 - random.nextDouble();
                double u2 = random.nextDouble();
                m[r][c] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
            }
        }
        return m;
    }
}
