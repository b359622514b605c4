package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.PhaseKind;
import io.hebbscope.schema.Topic;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The phase detectors on real runs, end to end on a real broker: ReLU SRE MLPs (32-128-128-32) trained by the
 * trainer, published to Kafka, analyzed by the Kafka Streams analyzer. What they measured is appended to
 * target/phase-detection-e2e.txt. Runs are small (a few hundred steps on 512-2048 examples, bfloat16 tensors).
 */
class PhaseDetectionEndToEndTest {
    private static final Path REPORT = Path.of("target", "phase-detection-e2e.txt");
    private static final PublishPolicy POLICY = new PublishPolicy(1, 1000, DType.BFLOAT16, 512 * 1024);
    private static EmbeddedKafkaBroker broker;
    private static Properties client;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void startBroker() throws IOException {
        broker = EmbeddedKafkaBroker.builder().build().start();
        client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        Files.createDirectories(REPORT.getParent());
        Files.deleteIfExists(REPORT);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static void report(String format, Object... args) throws IOException {
        Files.writeString(REPORT, String.format(Locale.ROOT, format, args) + "\n", StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
    }

    /** ReLU SRE student, init 0.1, teacher init 1: the setting where the paper's bump shows in a few dozen steps. */
    private static TrainerConfig.Builder relu(String runId) {
        return TrainerConfig.builder().runId(runId).activation(Activation.RELU).initScale(0.1).trainSize(2048)
            .validationSize(256).batchSize(64).seed(1);
    }

    private static Analyzer analyzer(Topics in, Topics out, String id) throws InterruptedException {
        Analyzer a = Analyzer.start(new Analyzer.Options(client, in, id, stateDir.resolve(id), AnalyzerSettings.DEFAULTS,
            "127.0.0.1", -1, 2, (short) 1).withOutputTopics(out));
        a.awaitRunning(Duration.ofSeconds(60));
        return a;
    }

    /** Trains and publishes the runs one after the other; returns the steps each took. */
    private static List<Long> train(Topics topics, List<TrainerConfig> configs) {
        List<Long> steps = new ArrayList<>();
        for (TrainerConfig c : configs) {
            try (EventPublisher publisher = new EventPublisher(client, topics, POLICY)) {
                RunSummary s = new Trainer(c).run(publisher);
                assertThat(s.status()).isEqualTo("completed");
                steps.add(s.steps());
            }
        }
        return steps;
    }

    /** Waits until the analyzer has written a LayerAlignment for every step of every layer of the runs. */
    private static List<LayerAlignment> awaitAnalyzed(Topics out, long expected, Analyzer analyzer) {
        List<LayerAlignment> layers = new ArrayList<>();
        await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            assertThat(analyzer.failure()).isNull();
            layers.clear();
            layers.addAll(readAll(out.layerAlignment()));
            return layers.size() >= expected;
        });
        return layers;
    }

    private static Map<String, List<PhaseEvent>> byRunLayer(List<PhaseEvent> events) {
        Map<String, List<PhaseEvent>> m = new TreeMap<>();
        for (PhaseEvent e : events) {
            m.computeIfAbsent(e.getRunId() + "/" + e.getLayer(), k -> new ArrayList<>()).add(e);
        }
        return m;
    }

    private static PhaseEvent first(List<PhaseEvent> events, String run, String layer, PhaseKind kind) {
        return events.stream().filter(e -> e.getRunId().equals(run) && e.getLayer().equals(layer) && e.getKind() == kind)
            .findFirst().orElse(null);
    }

    @Test
    void aReluMlpShowsABumpThatPeaksEarlierAtAHigherLearningRateAndAReplayGivesIdenticalEvents() throws Exception {
        Topics topics = new Topics("bump");
        Topics replayTopics = new Topics("bump-replay");
        List<TrainerConfig> runs = List.of(relu("relu-lr0.2").learningRate(0.2).epochs(8).build(),
            relu("relu-lr0.4").learningRate(0.4).epochs(8).build());
        List<PhaseEvent> live;
        List<LayerAlignment> liveLayers;
        try (Analyzer analyzer = analyzer(topics, topics, "bump-analyzer")) {
            List<Long> steps = train(topics, runs);
            liveLayers = awaitAnalyzed(topics, 3 * (steps.get(0) + steps.get(1)), analyzer);
            live = readAll(topics.phases());
        }
        for (PhaseEvent e : live) {
            report("bump run: %s %s %s step %d decided at %d %s", e.getRunId(), e.getLayer(), e.getKind(), e.getStep(),
                e.getDecidedAtStep(), e.getValues());
        }
        PhaseEvent slow = first(live, "relu-lr0.2", "layer2", PhaseKind.BUMP_PEAK);
        PhaseEvent fast = first(live, "relu-lr0.4", "layer2", PhaseKind.BUMP_PEAK);
        assertThat(slow).as("bump peak at lr 0.2").isNotNull();
        assertThat(fast).as("bump peak at lr 0.4").isNotNull();
        assertThat(first(live, "relu-lr0.2", "layer2", PhaseKind.BUMP_START)).isNotNull();
        assertThat(fast.getStep()).as("the bump peaks earlier at the higher learning rate").isLessThan(slow.getStep());
        assertThat(fast.getValues().get("peak")).isGreaterThan(0.5);
        report("bump peak layer2: lr 0.2 at step %d (value %.3f, decided at %d); lr 0.4 at step %d (value %.3f, decided at %d)",
            slow.getStep(), slow.getValues().get("peak"), slow.getDecidedAtStep(), fast.getStep(),
            fast.getValues().get("peak"), fast.getDecidedAtStep());

        // Replay: a new application id over the same input topics, writing under another prefix.
        try (Analyzer replay = analyzer(topics, replayTopics, "bump-replay-analyzer")) {
            List<LayerAlignment> replayed = awaitAnalyzed(replayTopics, liveLayers.size(), replay);
            assertThat(byRunLayer(readAll(replayTopics.phases()))).isEqualTo(byRunLayer(live));
            Comparator<LayerAlignment> order = Comparator.comparing(LayerAlignment::getRunId)
                .thenComparing(LayerAlignment::getLayer).thenComparingLong(LayerAlignment::getStep);
            assertThat(replayed.stream().sorted(order).toList()).isEqualTo(liveLayers.stream().sorted(order).toList());
        }
        report("replay: %d phase events and %d layer alignments identical", live.size(), liveLayers.size());
    }

    @Test
    void aRunTrainedToConvergenceReportsStationarityAndAnOscillationShare() throws Exception {
        Topics topics = new Topics("converge");
        TrainerConfig run = TrainerConfig.builder().runId("relu-converge").activation(Activation.RELU).initScale(0.3)
            .teacherInitScale(3.0).trainSize(512).validationSize(128).batchSize(64).epochs(50).learningRate(0.05)
            .weightDecay(0.02).seed(1).build();
        List<PhaseEvent> events;
        List<LayerAlignment> layers;
        try (Analyzer analyzer = analyzer(topics, topics, "converge-analyzer")) {
            List<Long> steps = train(topics, List.of(run));
            layers = awaitAnalyzed(topics, 3 * steps.get(0), analyzer);
            events = readAll(topics.phases());
        }
        for (PhaseEvent e : events) {
            report("convergence run: %s %s step %d decided at %d %s", e.getLayer(), e.getKind(), e.getStep(),
                e.getDecidedAtStep(), e.getValues());
        }
        PhaseEvent stationary = first(events, "relu-converge", "layer2", PhaseKind.STATIONARITY);
        assertThat(stationary).as("layer2 reaches stationarity").isNotNull();
        assertThat(stationary.getValues().get("meanUpdateRatio")).isLessThanOrEqualTo(0.35);
        for (String layer : List.of("layer0", "layer1", "layer2")) {
            LayerAlignment last = layers.stream().filter(l -> l.getLayer().equals(layer))
                .max(Comparator.comparingLong(LayerAlignment::getStep)).orElseThrow();
            assertThat(last.getOscillatingShare()).as(layer + " oscillation share").isNotNull();
            assertThat(last.getMeanUpdateRatio()).isNotNull();
            report("convergence run, %s at step %d: oscillating share %.3f, flip rate %s, period %s, amplitude %s,"
                    + " mean update ratio %.3f, weight norm %.4f (change over the window %s), anti-Hebbian share %s,"
                    + " mean role run length %s",
                layer, last.getStep(), last.getOscillatingShare(), fmt(last.getFlipRate()), fmt(last.getOscillationPeriod()),
                fmt(last.getOscillationAmplitude()), last.getMeanUpdateRatio(), last.getWeightNorm(),
                fmt(last.getWeightNormChange()), fmt(last.getAntiHebbianShare()), fmt(last.getMeanRoleRunLength()));
        }
    }

    @Test
    void theShareOfAntiHebbianNeuronsRisesWithWeightDecay() throws Exception {
        Topics topics = new Topics("gamma");
        double[] gammas = {0.0, 2e-3, 1e-2};
        List<TrainerConfig> runs = new ArrayList<>();
        for (double g : gammas) {
            runs.add(relu("gamma-" + g).initScale(0.3).trainSize(512).epochs(20).learningRate(0.4).weightDecay(g).build());
        }
        List<LayerAlignment> layers;
        try (Analyzer analyzer = analyzer(topics, topics, "gamma-analyzer")) {
            List<Long> steps = train(topics, runs);
            layers = awaitAnalyzed(topics, 3 * steps.stream().mapToLong(Long::longValue).sum(), analyzer);
        }
        double[] share = new double[gammas.length];
        for (int i = 0; i < gammas.length; i++) {
            String run = "gamma-" + gammas[i];
            share[i] = layers.stream().filter(l -> l.getRunId().equals(run) && l.getAntiHebbianShare() != null)
                .mapToDouble(LayerAlignment::getAntiHebbianShare).average().orElseThrow();
            report("anti-Hebbian share (mean over steps and layers of anti / (Hebbian + anti) update roles), γ %s: %.3f",
                gammas[i], share[i]);
        }
        assertThat(share[1]).isGreaterThan(share[0]);
        assertThat(share[2]).isGreaterThan(share[1]);
    }

    private static String fmt(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    static <K, V> List<V> readAll(Topic<K, V> topic) {
        return TopicReader.readAll(client, topic);
    }
}
