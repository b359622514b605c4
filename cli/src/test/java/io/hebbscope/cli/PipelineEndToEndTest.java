package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.weights.WeightRebuilder;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The whole pipeline on a real in-process KRaft broker: trainer -> Kafka -> analyzer -> topics and metrics. */
class PipelineEndToEndTest {
    private static EmbeddedKafkaBroker broker;
    private static Properties client;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder().build().start();
        client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void analyzerOutputsEqualARecomputationFromTheLogAndWeightsRebuild() throws Exception {
        Topics topics = new Topics("e2e1");
        TrainerConfig config = TrainerConfig.builder().runId("e2e-run").trainSize(600).validationSize(100)
            .batchSize(100).epochs(2).learningRate(0.05).weightDecay(1e-3).noiseSigma(1e-4).seed(3).build();
        // Small blocks: the 128x128 layer travels in several blocks spread over 3 partitions.
        PublishPolicy policy = new PublishPolicy(1, 5, io.hebbscope.schema.DType.FLOAT32, 40 * 1024);
        try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "e2e1-analyzer",
            stateDir.resolve("e2e1"), AnalyzerSettings.DEFAULTS, "127.0.0.1", 0, 3, (short) 1))) {
            analyzer.awaitRunning(Duration.ofSeconds(60));
            Trainer trainer = new Trainer(config);
            RunSummary summary;
            try (EventPublisher publisher = new EventPublisher(client, topics, policy)) {
                summary = trainer.run(publisher);
            }
            assertThat(summary.status()).isEqualTo("completed");
            long steps = summary.steps();
            assertThat(steps).isEqualTo(12);

            List<LayerStep> events = TopicReader.readAll(client, topics.layerSteps());
            // Garbage on the input topic: dead-lettered, the analyzer keeps running.
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>(topics.layerSteps().name(), "junk", new byte[] {9, 9, 9})).get();
            }

            List<LayerAlignment> layers = new ArrayList<>();
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                layers.clear();
                layers.addAll(TopicReader.readAll(client, topics.layerAlignment()));
                return layers.size() >= 3 * steps;
            });
            assertThat(layers).hasSize((int) (3 * steps));
            List<NeuronAlignment> neurons = TopicReader.readAll(client, topics.neuronAlignment());
            List<DeadLetter> dead = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                dead.clear();
                dead.addAll(TopicReader.readAll(client, topics.deadLetters()));
                return !dead.isEmpty();
            });
            assertThat(dead).singleElement().satisfies(d -> assertThat(d.getReason()).startsWith("decode:"));
            assertThat(analyzer.failure()).isNull();

            // The 128x128 layer was split into blocks.
            assertThat(events.stream().filter(e -> e.getLayer().equals("layer1")).mapToInt(LayerStep::getBlockCount).max().getAsInt())
                .isGreaterThan(1);

            // Recompute every alignment directly from the events read back.
            Map<String, Map<Long, float[][]>> full = assemble(events);
            Map<String, NeuronAlignment> neuronByKey = new HashMap<>();
            neurons.forEach(n -> neuronByKey.put(n.getLayer() + "@" + n.getStep(), n));
            for (LayerAlignment la : layers) {
                float[][] t = full.get(la.getLayer()).get(la.getStep());
                int rows = t[4].length == 0 ? 0 : (int) t[4][0];
                int cols = (int) t[4][1];
                assertThat(la.getGradient()).isCloseTo(cos(t[0], t[2], -1), within(1e-6));
                assertThat(la.getSignal()).isCloseTo(cos(t[0], t[2], -1), within(1e-6));
                assertThat(la.getUpdate()).isCloseTo(cos(t[3], t[2], 1), within(1e-6));
                NeuronAlignment na = neuronByKey.get(la.getLayer() + "@" + la.getStep());
                float[] g = TensorCodec.decodeFloats(na.getGradient());
                float[] u = TensorCodec.decodeFloats(na.getUpdate());
                for (int i = 0; i < rows; i++) {
                    assertThat((double) g[i]).isCloseTo(rowCos(t[0], t[2], i, cols, -1), within(1e-5));
                    assertThat((double) u[i]).isCloseTo(rowCos(t[3], t[2], i, cols, 1), within(1e-5));
                }
            }

            // Rebuild the final weights from snapshots plus updates.
            List<INDArray> finalWeights = trainer.weights();
            for (int l = 0; l < 3; l++) {
                WeightRebuilder rebuilder = new WeightRebuilder("e2e-run", "layer" + l);
                events.forEach(rebuilder::add);
                double[] rebuilt = rebuilder.weightsAt(steps);
                float[] actual = finalWeights.get(l).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
                assertThat(rebuilt).hasSameSizeAs(actual);
                for (int i = 0; i < actual.length; i++) {
                    assertThat(rebuilt[i]).isCloseTo(actual[i], within(1e-5));
                }
            }

            // The run's metadata and end are on the runs topic.
            List<SpecificRecord> runs = TopicReader.readAll(client, topics.runs());
            assertThat(runs).hasSize(2);
            assertThat(runs.get(0)).isInstanceOfSatisfying(RunStarted.class, r -> {
                assertThat(r.getLayers()).hasSize(3);
                assertThat(r.getLayers().get(1).getBlocks()).isGreaterThan(1);
                assertThat(r.getConfig()).containsEntry("weightDecay", "0.001");
            });
            assertThat(runs.get(1)).isInstanceOfSatisfying(RunFinished.class, r -> assertThat(r.getSteps()).isEqualTo(12));

            // Metrics are served over HTTP.
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + analyzer.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body())
                .contains("hebbscope_layer_alignment{layer=\"layer1\",run=\"e2e-run\",signal=\"update\"}")
                .contains("hebbscope_neuron_alignment_bucket{layer=\"layer1\",run=\"e2e-run\",signal=\"signal\",le=\"0.0\"}")
                .contains("hebbscope_neuron_alignment_ewma{layer=\"layer2\",neuron=\"31\",run=\"e2e-run\"}")
                .contains("hebbscope_train_loss{run=\"e2e-run\"}")
                .contains("hebbscope_dead_letters_total{reason=\"decode\",topic=\"e2e1.layer-steps\"} 1.0");
        }
    }

    /** layer -> step -> {gradient, signal(unused), hebbian, update, {rows, cols}}, full matrices. */
    private static Map<String, Map<Long, float[][]>> assemble(List<LayerStep> events) {
        Map<String, Map<Long, float[][]>> out = new HashMap<>();
        for (LayerStep e : events) {
            float[][] t = out.computeIfAbsent(e.getLayer(), k -> new TreeMap<>()).computeIfAbsent(e.getStep(), k -> {
                int n = e.getLayerRows() * e.getLayerCols();
                return new float[][] {new float[n], new float[0], new float[n], new float[n],
                    new float[] {e.getLayerRows(), e.getLayerCols()}};
            });
            int offset = e.getRowOffset() * e.getLayerCols();
            float[] g = TensorCodec.decodeFloats(e.getGradient());
            System.arraycopy(g, 0, t[0], offset, g.length);
            float[] h = TensorCodec.decodeFloats(e.getHebbian());
            System.arraycopy(h, 0, t[2], offset, h.length);
            float[] u = TensorCodec.decodeFloats(e.getUpdate());
            System.arraycopy(u, 0, t[3], offset, u.length);
        }
        return out;
    }

    private static double cos(float[] x, float[] h, int sign) {
        double dot = 0;
        double xx = 0;
        double hh = 0;
        for (int i = 0; i < x.length; i++) {
            dot += (double) x[i] * h[i];
            xx += (double) x[i] * x[i];
            hh += (double) h[i] * h[i];
        }
        return sign * dot / Math.sqrt(xx * hh);
    }

    private static double rowCos(float[] x, float[] h, int row, int cols, int sign) {
        double dot = 0;
        double xx = 0;
        double hh = 0;
        for (int c = row * cols; c < (row + 1) * cols; c++) {
            dot += (double) x[c] * h[c];
            xx += (double) x[c] * x[c];
            hh += (double) h[c] * h[c];
        }
        return xx == 0 || hh == 0 ? 0 : sign * dot / Math.sqrt(xx * hh);
    }

}
