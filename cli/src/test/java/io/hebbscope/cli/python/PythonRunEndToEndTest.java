package io.hebbscope.cli.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.archive.RunExporter;
import io.hebbscope.archive.RunImporter;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.cli.Hebbscope;
import io.hebbscope.cli.TopicReader;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A PyTorch run of the SRE MLP (clients/python/examples/sre_mlp.py), published by the Python client to a real
 * broker and analyzed live by the Java analyzer, like a Java run: every per-neuron and per-layer alignment equals
 * a recomputation from the raw LayerSteps, `replay` gives the live results again, and export -> import into a
 * fresh cluster -> `replay` there gives them again with the same event bytes. A third run publishes the per-neuron
 * statistics beside the tensors every step: the analyzer analyzes it from the statistics, its twin check finds the
 * Python statistics in agreement with the Python tensors (no dead letters), and the result equals the recomputation
 * from the tensors.
 */
class PythonRunEndToEndTest {
    private static final int STEPS = 3 * 8; // 3 epochs of 1024 examples in batches of 128
    private static final List<String> RUNS = List.of("py-adamw", "py-sgd");
    private static EmbeddedKafkaBroker live;
    private static EmbeddedKafkaBroker fresh;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        PythonClient.assumeAvailable();
        live = EmbeddedKafkaBroker.builder().build().start();
        fresh = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stop() {
        if (live != null) {
            live.close();
        }
        if (fresh != null) {
            fresh.close();
        }
    }

    private static Properties client(EmbeddedKafkaBroker b) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers());
        return p;
    }

    /** Everything the analyzer derives for one run, in a canonical order. */
    record Results(List<LayerAlignment> layers, List<NeuronAlignment> neurons, List<PhaseEvent> phases) {
        static Results read(Properties client, Topics t, String run) {
            List<LayerAlignment> l = new ArrayList<>(TopicReader.readAll(client, t.layerAlignment()).stream()
                .filter(a -> a.getRunId().equals(run)).toList());
            l.sort(Comparator.comparing(LayerAlignment::getLayer).thenComparingLong(LayerAlignment::getStep));
            List<NeuronAlignment> n = new ArrayList<>(TopicReader.readAll(client, t.neuronAlignment()).stream()
                .filter(a -> a.getRunId().equals(run)).toList());
            n.sort(Comparator.comparing(NeuronAlignment::getLayer).thenComparingLong(NeuronAlignment::getStep));
            List<PhaseEvent> p = new ArrayList<>(TopicReader.readAll(client, t.phases()).stream()
                .filter(a -> a.getRunId().equals(run)).toList());
            p.sort(Comparator.comparing(PhaseEvent::getLayer).thenComparingLong(PhaseEvent::getDecidedAtStep)
                .thenComparing(e -> e.getKind().name()));
            return new Results(l, n, p);
        }
    }

    @Test
    void aPyTorchRunIsAnalyzedReplayedAndReimportedLikeAJavaRun() throws Exception {
        Topics topics = new Topics("py");
        Properties a = client(live);
        TopicSetup.ensureTopics(a, topics, 3, (short) 1);
        Partitions.awaitServing(a, topics.allNames());
        Map<String, Results> liveResults = new HashMap<>();
        try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(a, topics, "py-live", dir.resolve("live"),
            AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, 3, (short) 1))) {
            analyzer.awaitRunning(Duration.ofSeconds(60));
            trainInPyTorch("py-adamw", "adamw", "5e-3");
            trainInPyTorch("py-sgd", "sgd", "5e-4");
            trainInPyTorch("py-stats", "adamw", "5e-3", "--stats-every", "1");
            List<String> all = List.of("py-adamw", "py-sgd", "py-stats");
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).until(() -> all.stream()
                .allMatch(run -> Results.read(a, topics, run).layers().size() >= 3 * STEPS
                    && Results.read(a, topics, run).neurons().size() >= 3 * STEPS));
            for (String run : all) {
                liveResults.put(run, Results.read(a, topics, run));
            }
        }
        assertThat(TopicReader.readAll(a, topics.deadLetters())).as("dead letters").isEmpty();
        // statistics every step, in one block per layer (512 rows fit 32 KiB), each marked as having its tensors
        assertThat(TopicReader.readAll(a, topics.layerStats())).filteredOn(s -> s.getRunId().equals("py-stats"))
            .hasSize(3 * STEPS).allSatisfy(s -> assertThat(s.getWithTensors()).isTrue());
        recomputeAndCompare("py-stats", TopicReader.readAll(a, topics.layerSteps()).stream()
            .filter(e -> e.getRunId().equals("py-stats")).toList(), liveResults.get("py-stats"));
        for (String run : RUNS) {
            Results r = liveResults.get(run);
            assertThat(r.layers()).hasSize(3 * STEPS);
            assertThat(r.neurons()).hasSize(3 * STEPS);
            checkRunEvents(a, topics, run);
            recomputeAndCompare(run, TopicReader.readAll(a, topics.layerSteps()).stream()
                .filter(e -> e.getRunId().equals(run)).toList(), r);
        }

        // replay on the same cluster
        cli("replay", "--bootstrap-servers", live.bootstrapServers(), "--topic-prefix", "py", "--run", "py-adamw",
            "--output-topic-prefix", "py-replay", "--plugins", "none");
        assertThat(Results.read(a, new Topics("py-replay"), "py-adamw")).isEqualTo(liveResults.get("py-adamw"));

        // export -> import into a fresh cluster -> replay there
        Path export = dir.resolve("export");
        new RunExporter(a, topics).export(Set.of("py-adamw", "py-sgd", "py-stats"), export, n -> { });
        Properties b = client(fresh);
        TopicSetup.ensureTopics(b, topics, 2, (short) 1);
        Partitions.awaitServing(b, topics.allNames());
        new RunImporter(b, topics).importAll(export, n -> { });
        // The same bytes, except RunStarted's config map: Avro writes a map in its iteration order, Python's
        // dict in insertion order, and the importer re-encodes what it read into a Java HashMap. Same entries.
        for (String topic : List.of(topics.layerSteps().name(), topics.trainMetrics().name(), topics.layerStats().name())) {
            assertThat(rawRecords(b, topic)).as(topic).isEqualTo(rawRecords(a, topic));
        }
        List<Raw> importedRuns = rawRecords(b, topics.runs().name());
        List<Raw> originalRuns = rawRecords(a, topics.runs().name());
        assertThat(importedRuns).extracting(Raw::key).containsExactlyElementsOf(originalRuns.stream().map(Raw::key).toList());
        for (int i = 0; i < originalRuns.size(); i++) {
            Raw original = originalRuns.get(i);
            Raw imported = importedRuns.get(i);
            assertThat(EventCodec.get().decodeAny(imported.value())).as(original.key())
                .isEqualTo(EventCodec.get().decodeAny(original.value()));
            if (original.key().endsWith("/finished")) {
                assertThat(imported.value()).as(original.key()).isEqualTo(original.value());
            }
        }
        cli("replay", "--bootstrap-servers", fresh.bootstrapServers(), "--topic-prefix", "py", "--output-topic-prefix",
            "py-imported", "--plugins", "none", "--partitions", "2");
        for (String run : List.of("py-adamw", "py-sgd", "py-stats")) {
            assertThat(Results.read(b, new Topics("py-imported"), run)).as(run).isEqualTo(liveResults.get(run));
        }
    }

    private static void trainInPyTorch(String runId, String rule, String weightDecay, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of(PythonClient.file("examples/sre_mlp.py").toString(),
            "--bootstrap-servers", live.bootstrapServers(), "--topic-prefix", "py", "--run-id", runId, "--rule", rule,
            "--weight-decay", weightDecay, "--learning-rate", "0.01", "--widths", "32,128,128,32", "--train-size", "1024",
            "--validation-size", "256", "--batch-size", "128", "--epochs", "3", "--snapshot-every", "8",
            "--max-block-bytes", "32768", "--partitions", "3", "--threads", "1", "--device", "cpu", "--seed", "7"));
        args.addAll(List.of(more));
        String out = PythonClient.run(Duration.ofMinutes(5), dir, args.toArray(String[]::new));
        assertThat(out).contains("run " + runId + ": " + STEPS + " steps");
    }

    /** RunStarted, StepMetrics and RunFinished of a PyTorch run say what a Java run's say. */
    private static void checkRunEvents(Properties client, Topics topics, String run) {
        List<SpecificRecord> runEvents = TopicReader.readAll(client, topics.runs()).stream()
            .filter(e -> e instanceof RunStarted s ? s.getRunId().equals(run) : ((RunFinished) e).getRunId().equals(run))
            .toList();
        RunStarted started = (RunStarted) runEvents.stream().filter(e -> e instanceof RunStarted).findFirst().orElseThrow();
        assertThat(started.getTask()).isEqualTo("sre");
        assertThat(started.getModel()).isEqualTo("mlp");
        assertThat(started.getRule()).isEqualTo(run.substring(3));
        assertThat(started.getTotalSteps()).isEqualTo(STEPS);
        assertThat(started.getStepsPerEpoch()).isEqualTo(8);
        assertThat(started.getLayers()).extracting(l -> l.getName() + ":" + l.getRows() + "x" + l.getCols())
            .containsExactly("layer0:128x32", "layer1:128x128", "layer2:32x128");
        assertThat(started.getLayers().get(1).getBlocks()).isGreaterThan(1);
        assertThat(started.getConfig()).containsEntry("producer", "pytorch").containsKey("weightDecay");
        RunFinished finished = (RunFinished) runEvents.stream().filter(e -> e instanceof RunFinished).findFirst().orElseThrow();
        assertThat(finished.getStatus()).isEqualTo("completed");
        assertThat(finished.getSteps()).isEqualTo(STEPS);
        List<StepMetrics> metrics = TopicReader.readAll(client, topics.trainMetrics()).stream()
            .filter(m -> m.getRunId().equals(run)).sorted(Comparator.comparingLong(StepMetrics::getStep)).toList();
        assertThat(metrics).extracting(StepMetrics::getStep).containsExactlyElementsOf(
            java.util.stream.LongStream.range(0, STEPS).boxed().toList());
        assertThat(metrics.stream().filter(m -> m.getValidationLoss() != null).map(StepMetrics::getStep))
            .containsExactly(7L, 15L, 23L);
        assertThat(metrics.get(STEPS - 1).getWeightNorms()).hasSize(3);
    }

    /**
     * Recomputes, in double precision from the raw LayerSteps, every neuron's cos(X_i, H_i) and every layer's
     * cos(X, H) for X = -gradient, signal (-gradient when absent), update, and compares with the analyzer's.
     */
    private static void recomputeAndCompare(String run, List<LayerStep> events, Results results) {
        Map<String, List<LayerStep>> byStep = new HashMap<>();
        for (LayerStep e : events) {
            byStep.computeIfAbsent(e.getLayer() + "/" + e.getStep(), k -> new ArrayList<>()).add(e);
        }
        assertThat(byStep).hasSize(3 * STEPS);
        Map<String, NeuronAlignment> neurons = new HashMap<>();
        results.neurons().forEach(n -> neurons.put(n.getLayer() + "/" + n.getStep(), n));
        Map<String, LayerAlignment> layers = new HashMap<>();
        results.layers().forEach(l -> layers.put(l.getLayer() + "/" + l.getStep(), l));
        double neuronDiff = 0;
        double layerDiff = 0;
        long neuronValues = 0;
        for (Map.Entry<String, List<LayerStep>> entry : byStep.entrySet()) {
            List<LayerStep> blocks = entry.getValue();
            int rows = blocks.get(0).getLayerRows();
            int cols = blocks.get(0).getLayerCols();
            double[][] x = new double[3][rows * cols];
            double[] h = new double[rows * cols];
            for (LayerStep b : blocks) {
                int at = b.getRowOffset() * cols;
                double[] g = TensorCodec.decodeDoubles(b.getGradient());
                double[] s = b.getSignal() == null ? null : TensorCodec.decodeDoubles(b.getSignal());
                double[] u = TensorCodec.decodeDoubles(b.getUpdate());
                double[] hb = TensorCodec.decodeDoubles(b.getHebbian());
                for (int i = 0; i < g.length; i++) {
                    x[0][at + i] = -g[i];
                    x[1][at + i] = s == null ? -g[i] : s[i];
                    x[2][at + i] = u[i];
                    h[at + i] = hb[i];
                }
            }
            NeuronAlignment n = neurons.get(entry.getKey());
            LayerAlignment l = layers.get(entry.getKey());
            assertThat(n).as("neuron alignment of %s", entry.getKey()).isNotNull();
            assertThat(l).as("layer alignment of %s", entry.getKey()).isNotNull();
            float[][] analyzed = {TensorCodec.decodeFloats(n.getGradient()), TensorCodec.decodeFloats(n.getSignal()),
                TensorCodec.decodeFloats(n.getUpdate())};
            Double[] analyzedLayer = {l.getGradient(), l.getSignal(), l.getUpdate()};
            for (int k = 0; k < 3; k++) {
                double dot = 0;
                double xx = 0;
                double hh = 0;
                for (int r = 0; r < rows; r++) {
                    double rd = 0;
                    double rx = 0;
                    double rh = 0;
                    for (int c = r * cols; c < (r + 1) * cols; c++) {
                        rd += x[k][c] * h[c];
                        rx += x[k][c] * x[k][c];
                        rh += h[c] * h[c];
                    }
                    double expected = rx > 0 && rh > 0 ? Math.max(-1, Math.min(1, rd / Math.sqrt(rx * rh))) : 0.0;
                    neuronDiff = Math.max(neuronDiff, Math.abs(expected - analyzed[k][r]));
                    neuronValues++;
                    dot += rd;
                    xx += rx;
                    hh += rh;
                }
                assertThat(analyzedLayer[k]).as("layer alignment %d of %s", k, entry.getKey()).isNotNull();
                double expectedLayer = Math.max(-1, Math.min(1, dot / Math.sqrt(xx * hh)));
                layerDiff = Math.max(layerDiff, Math.abs(expectedLayer - analyzedLayer[k]));
            }
        }
        System.out.printf(Locale.ROOT, "PyTorch run %s analyzed by the Java analyzer vs recomputation from the raw "
                + "events: max abs diff neuron alignment %.3g (%d values, float32 on the wire), layer alignment %.3g "
                + "(%d values)%n", run, neuronDiff, neuronValues, layerDiff, 3L * byStep.size());
        assertThat(neuronDiff).isLessThan(1e-6);
        assertThat(layerDiff).isLessThan(1e-9);
    }

    private static void cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        assertThat(code).as("%s%n%s", out, err).isZero();
        assertThat(out.toString()).contains("replayed");
    }

    record Raw(String key, byte[] value) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Raw r && r.key.equals(key) && Arrays.equals(r.value, value);
        }

        @Override
        public int hashCode() {
            return key.hashCode();
        }
    }

    /** Key and value bytes of every record of a topic, sorted by key then value. */
    private static List<Raw> rawRecords(Properties client, String topic) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        List<Raw> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            var end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(300))) {
                    out.add(new Raw(r.key(), r.value()));
                }
            }
        }
        out.sort(Comparator.comparing(Raw::key).thenComparing(r -> Arrays.hashCode(r.value)));
        return out;
    }
}
