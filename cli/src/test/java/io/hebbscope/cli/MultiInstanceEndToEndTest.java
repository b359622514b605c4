package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.bench.ChildJvm;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three `analyze` processes with one application id share the partitions of a live log; one of them is killed
 * with SIGKILL halfway. What they wrote together equals, record for record, what one analyzer writes over the same
 * log: nothing lost, nothing duplicated (read_committed), and their metrics add up without double counting.
 */
class MultiInstanceEndToEndTest {
    private static final int PARTITIONS = 4;
    private static final Duration LIMIT = Duration.ofMinutes(10);

    private static EmbeddedKafkaBroker broker;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    record Results(List<LayerAlignment> layers, List<NeuronAlignment> neurons, List<PhaseEvent> phases) {
        static Results read(Properties client, Topics t) {
            List<LayerAlignment> l = new ArrayList<>(TopicReader.readAll(client, t.layerAlignment()));
            l.sort(Comparator.comparing(LayerAlignment::getRunId).thenComparing(LayerAlignment::getLayer)
                .thenComparingLong(LayerAlignment::getStep));
            List<NeuronAlignment> n = new ArrayList<>(TopicReader.readAll(client, t.neuronAlignment()));
            n.sort(Comparator.comparing(NeuronAlignment::getRunId).thenComparing(NeuronAlignment::getLayer)
                .thenComparingLong(NeuronAlignment::getStep));
            List<PhaseEvent> p = new ArrayList<>(TopicReader.readAll(client, t.phases()));
            p.sort(Comparator.comparing(PhaseEvent::getRunId).thenComparing(PhaseEvent::getLayer)
                .thenComparingLong(PhaseEvent::getDecidedAtStep).thenComparing(e -> e.getKind().name()));
            return new Results(l, n, p);
        }
    }

    @Test
    void instancesSharingTheWorkEqualOneInstanceAlsoWhenOneIsKilled() throws Exception {
        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        Topics in = new Topics("mi");
        Topics shared = new Topics("mi-shared");
        TopicSetup.ensureTopics(client, in, PARTITIONS, (short) 1);
        TopicSetup.ensureTopics(client, shared, PARTITIONS, (short) 1);

        // Four runs of different shapes, so that the partitions of every topic get work.
        List<TrainerConfig> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(TrainerConfig.builder().runId("mi-run-" + i).activation(i % 2 == 0 ? Activation.RELU : Activation.TANH)
                .initScale(i % 2 == 0 ? 0.1 : 1.0).learningRate(i % 2 == 0 ? 0.3 : 0.05).trainSize(512).validationSize(64)
                .batchSize(64).epochs(6).seed(10 + i).build());
        }
        long expectedLayerSteps = 4L * 6 * 8 * 3; // runs x epochs x steps per epoch x layers

        List<ChildJvm> instances = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Path work = Files.createDirectories(dir.resolve("instance-" + i));
                ChildJvm instance = ChildJvm.start(work, "analyzer-" + i, Hebbscope.class.getName(), List.of("analyze",
                    "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", in.prefix(),
                    "--output-topic-prefix", shared.prefix(), "--application-id", "mi-shared-app",
                    "--state-dir", work.resolve("state").toString(), "--metrics-port", "0", "--plugins", "none",
                    "--partitions", Integer.toString(PARTITIONS), "--replication", "1", "--connect-timeout", "120"));
                instances.add(instance);
            }
            for (ChildJvm instance : instances) {
                instance.awaitOutput(" running on ", LIMIT);
                ports.add(metricsPort(instance.output()));
            }

            AtomicReference<Throwable> trainingFailure = new AtomicReference<>();
            Thread training = new Thread(() -> {
                try {
                    for (TrainerConfig c : runs) {
                        try (EventPublisher p = new EventPublisher(client, in, PublishPolicy.DEFAULT)) {
                            new Trainer(c).run(p);
                        }
                    }
                } catch (Throwable e) {
                    trainingFailure.set(e);
                }
            }, "mi-training");
            training.start();

            // Kill one instance once the three have written a third of the results between them.
            await().atMost(LIMIT).pollInterval(Duration.ofMillis(200)).until(() ->
                trainingFailure.get() != null || TopicReader.readAll(client, shared.layerAlignment()).size() >= expectedLayerSteps / 3);
            assertThat(trainingFailure.get()).isNull();
            ChildJvm victim = instances.get(0);
            victim.kill9();

            training.join(LIMIT.toMillis());
            assertThat(trainingFailure.get()).isNull();
            await().atMost(LIMIT).pollInterval(Duration.ofMillis(500)).until(() ->
                TopicReader.readAll(client, shared.layerAlignment()).size() >= expectedLayerSteps
                    && TopicReader.readAll(client, shared.neuronAlignment()).size() >= expectedLayerSteps);
            Results together = Results.read(client, shared);

            // The reference: one analyzer over the same log.
            Topics single = new Topics("mi-single");
            try (Analyzer one = Analyzer.start(new Analyzer.Options(client, in, "mi-single-app", dir.resolve("single"),
                AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, PARTITIONS, (short) 1).withOutputTopics(single), List.of())) {
                one.awaitRunning(LIMIT);
                await().atMost(LIMIT).pollInterval(Duration.ofMillis(500)).until(() ->
                    TopicReader.readAll(client, single.layerAlignment()).size() >= expectedLayerSteps
                        && TopicReader.readAll(client, single.neuronAlignment()).size() >= expectedLayerSteps);
            }
            Results alone = Results.read(client, single);
            assertThat(alone.layers()).hasSize((int) expectedLayerSteps);
            assertThat(together.layers()).hasSize((int) expectedLayerSteps);
            assertThat(together.neurons()).hasSize((int) expectedLayerSteps);
            assertThat(together).isEqualTo(alone);
            assertThat(together.phases()).isNotEmpty();

            // The surviving instances' metrics: every run and layer is counted by exactly one of them at the end.
            List<Map<String, Double>> scrapes = new ArrayList<>();
            for (int i = 1; i < instances.size(); i++) {
                scrapes.add(scrape(ports.get(i)));
            }
            Map<String, Double> analyzedStepMax = new HashMap<>();
            Map<String, Integer> analyzedStepOwners = new HashMap<>();
            for (Map<String, Double> s : scrapes) {
                s.forEach((series, v) -> {
                    if (series.startsWith("hebbscope_analyzed_step{")) {
                        analyzedStepMax.merge(series, v, Math::max);
                        analyzedStepOwners.merge(series, 1, Integer::sum);
                    }
                });
            }
            // A layer whose last step was analyzed by the killed instance has no series left (Prometheus drops the dead
            // target's); every other one is exported by exactly one survivor, at the last step.
            assertThat(analyzedStepOwners.values()).as("owners per series %s", analyzedStepOwners).allMatch(n -> n == 1);
            assertThat(analyzedStepMax).as("hebbscope_analyzed_step series of the survivors").hasSizeBetween(1, 4 * 3);
            assertThat(analyzedStepMax.values()).allMatch(v -> v == 47.0);
            double runsRunningOrFinished = scrapes.stream().mapToDouble(s -> s.entrySet().stream()
                .filter(e -> e.getKey().startsWith("hebbscope_runs{")).mapToDouble(Map.Entry::getValue).sum()).sum();
            assertThat(runsRunningOrFinished).as("hebbscope_runs summed over the surviving instances\n%s",
                    scrapes.stream().map(m -> m.entrySet().stream().filter(e -> e.getKey().startsWith("hebbscope_run"))
                        .map(Object::toString).sorted().collect(Collectors.joining("\n"))).toList())
                .isLessThanOrEqualTo(4.0);
            for (ChildJvm instance : instances.subList(1, instances.size())) {
                assertThat(instance.isAlive()).as(instance.name() + "\n" + instance.outputTail()).isTrue();
            }
        } finally {
            for (ChildJvm instance : instances) {
                instance.close();
            }
        }
    }

    private static final Pattern METRICS_PORT = Pattern.compile("metrics at http://[^:]+:(\\d+)/metrics");

    private static int metricsPort(String output) {
        Matcher m = METRICS_PORT.matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** Every sample line of the text exposition: series (name and labels) to value. */
    private static Map<String, Double> scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().lines().filter(l -> !l.startsWith("#") && !l.isBlank())
            .collect(Collectors.toMap(l -> l.substring(0, l.lastIndexOf(' ')),
                l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)), (a, b) -> b));
    }
}
