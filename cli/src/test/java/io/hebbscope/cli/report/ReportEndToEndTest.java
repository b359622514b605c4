package io.hebbscope.cli.report;

import io.hebbscope.lab.report.Figure;
import io.hebbscope.lab.report.Report;
import io.hebbscope.lab.report.ReportWriter;
import io.hebbscope.lab.report.RunLog;
import io.hebbscope.lab.report.RunLogReader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.cli.Hebbscope;
import io.hebbscope.cli.TopicReader;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.clients.CommonClientConfigs;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYZDataset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A tiny run through a real broker and the analyzer, then the report from the topics: PNGs draw the topics' numbers. */
class ReportEndToEndTest {
    private static final String RUN = "report-run";
    private static EmbeddedKafkaBroker broker;
    private static Properties client;

    @TempDir
    static Path dir;

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
    void theReportFromTheTopicsDrawsTheAnalyzersNumbers() throws Exception {
        Topics topics = new Topics("rep");
        TrainerConfig config = TrainerConfig.builder().runId(RUN).trainSize(400).validationSize(100).batchSize(100)
            .epochs(2).learningRate(0.05).weightDecay(1e-3).seed(5).build();
        List<LayerAlignment> layers = new ArrayList<>();
        List<NeuronAlignment> neurons = new ArrayList<>();
        try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "rep-analyzer", dir.resolve("state"),
            AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, 2, (short) 1))) {
            analyzer.awaitRunning(Duration.ofSeconds(60));
            long steps;
            try (EventPublisher publisher = new EventPublisher(client, topics,
                new PublishPolicy(1, 4, io.hebbscope.schema.DType.FLOAT32, 64 * 1024))) {
                steps = new Trainer(config).run(publisher).steps();
            }
            assertThat(steps).isEqualTo(8);
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                layers.clear();
                layers.addAll(TopicReader.readAll(client, topics.layerAlignment()));
                neurons.clear();
                neurons.addAll(TopicReader.readAll(client, topics.neuronAlignment()));
                return layers.size() >= 3 * steps && neurons.size() >= 3 * steps;
            });
            assertThat(analyzer.failure()).isNull();
        }
        List<StepMetrics> metrics = TopicReader.readAll(client, topics.trainMetrics());

        // The command, as a user runs it.
        Path cliOut = dir.resolve("cli");
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("report", "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", "rep",
            "--run", RUN, "--out", cliOut.toString())).as(err.toString()).isZero();
        List<String> expectedFiles = new ArrayList<>();
        for (String layer : List.of("layer0", "layer1", "layer2")) {
            expectedFiles.add("run-" + RUN + "-" + layer + "-alignment.png");
            Pngs.assertPng(cliOut.resolve("run-" + RUN + "-" + layer + "-alignment.png"), ReportWriter.LINE_WIDTH,
                ReportWriter.LINE_HEIGHT);
        }
        for (String layer : List.of("layer0", "layer1", "layer2")) {
            expectedFiles.add("run-" + RUN + "-" + layer + "-neurons-update.png");
            Pngs.assertPng(cliOut.resolve("run-" + RUN + "-" + layer + "-neurons-update.png"), ReportWriter.HEATMAP_WIDTH,
                ReportWriter.HEATMAP_HEIGHT);
        }
        expectedFiles.add("runs-validation-vs-alignment.png");
        Pngs.assertPng(cliOut.resolve("runs-validation-vs-alignment.png"), ReportWriter.SCATTER_WIDTH, ReportWriter.SCATTER_HEIGHT);
        String md = Files.readString(cliOut.resolve("index.md"));
        expectedFiles.forEach(f -> assertThat(md).contains("](" + f + ")"));
        assertThat(cliOut.resolve("index.html")).content().contains("<img src=\"run-" + RUN + "-layer1-neurons-update.png\"");
        assertThat(cl.execute("report", "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", "rep",
            "--run", "nobody", "--out", dir.resolve("none").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("no layer alignment of run(s) [nobody]");

        // The same report through the API, to look at the data each chart was handed.
        List<RunLog> logs = new RunLogReader(client, topics).read(Set.of(RUN));
        Report report = ReportWriter.write(logs, null, null, dir.resolve("api"), new ReportWriter.Options("layer1", "update", 400));
        assertThat(report.figures()).extracting(Figure::file).containsExactlyElementsOf(expectedFiles);
        for (Figure f : report.figures()) {
            Pngs.assertPng(dir.resolve("api"), f);
        }

        for (String layer : List.of("layer0", "layer1", "layer2")) {
            List<LayerAlignment> ofLayer = layers.stream().filter(l -> l.getLayer().equals(layer))
                .sorted(Comparator.comparingLong(LayerAlignment::getStep)).toList();
            assertThat(ofLayer).hasSize(8);
            XYDataset d = report.figure("run-" + RUN + "-" + layer + "-alignment.png").chart().getXYPlot().getDataset();
            List<Function<LayerAlignment, Double>> getters = List.of(LayerAlignment::getGradient, LayerAlignment::getSignal,
                LayerAlignment::getUpdate);
            assertThat(d.getSeriesCount()).isEqualTo(3);
            for (int s = 0; s < 3; s++) {
                Function<LayerAlignment, Double> get = getters.get(s);
                List<LayerAlignment> defined = ofLayer.stream().filter(l -> get.apply(l) != null).toList();
                assertThat(d.getItemCount(s)).isEqualTo(defined.size());
                for (int i = 0; i < defined.size(); i++) {
                    assertThat(d.getXValue(s, i)).isEqualTo((double) defined.get(i).getStep());
                    assertThat(d.getYValue(s, i)).isEqualTo(getters.get(s).apply(defined.get(i)));
                }
            }

            List<NeuronAlignment> nOfLayer = neurons.stream().filter(n -> n.getLayer().equals(layer))
                .sorted(Comparator.comparingLong(NeuronAlignment::getStep)).toList();
            XYZDataset h = (XYZDataset) report.figure("run-" + RUN + "-" + layer + "-neurons-update.png").chart().getXYPlot()
                .getDataset();
            int width = nOfLayer.get(0).getUpdate().getRows();
            assertThat(width).isEqualTo(layer.equals("layer2") ? 32 : 128);
            assertThat(h.getItemCount(0)).isEqualTo(8 * width);
            int k = 0;
            for (NeuronAlignment n : nOfLayer) {
                double[] update = TensorCodec.decodeDoubles(n.getUpdate());
                for (int i = 0; i < width; i++, k++) {
                    assertThat(h.getXValue(0, k)).isEqualTo((double) n.getStep());
                    assertThat(h.getYValue(0, k)).isEqualTo(i);
                    assertThat(h.getZValue(0, k)).isEqualTo(update[i]);
                }
            }
        }

        // Validation vs alignment: per epoch, the mean layer1 signal alignment and the epoch's validation loss.
        Map<Integer, List<Double>> signalByEpoch = new TreeMap<>();
        layers.stream().filter(l -> l.getLayer().equals("layer1") && l.getSignal() != null)
            .forEach(l -> signalByEpoch.computeIfAbsent(l.getEpoch(), e -> new ArrayList<>()).add(l.getSignal()));
        List<StepMetrics> validations = metrics.stream().filter(m -> m.getValidationLoss() != null)
            .sorted(Comparator.comparingLong(StepMetrics::getStep)).toList();
        assertThat(validations).hasSize(2);
        XYDataset v = report.figure("runs-validation-vs-alignment.png").chart().getXYPlot().getDataset();
        assertThat(v.getSeriesKey(0)).isEqualTo(RUN);
        assertThat(v.getItemCount(0)).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            List<Double> epoch = signalByEpoch.get(validations.get(i).getEpoch());
            double sum = 0;
            for (double x : epoch) {
                sum += x;
            }
            assertThat(v.getXValue(0, i)).isEqualTo(sum / epoch.size());
            assertThat(v.getYValue(0, i)).isEqualTo(validations.get(i).getValidationLoss());
        }
    }
}
