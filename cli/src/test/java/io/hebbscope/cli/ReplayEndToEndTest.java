package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.plugin.Plugins;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.archive.RunExporter;
import io.hebbscope.archive.RunImporter;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.PluginResult;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Live analysis, then `replay` on the same cluster, then export -> import into a fresh cluster -> `replay` there:
 * alignments, phase events and a jar plug-in's results compared record by record.
 */
class ReplayEndToEndTest {
    private static EmbeddedKafkaBroker live;
    private static EmbeddedKafkaBroker fresh;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        live = EmbeddedKafkaBroker.builder().build().start();
        fresh = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stop() {
        live.close();
        fresh.close();
    }

    private static Properties client(EmbeddedKafkaBroker b) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers());
        return p;
    }

    /** Everything the analyzer derives for the chosen run, in a canonical order. */
    record Results(List<LayerAlignment> layers, List<NeuronAlignment> neurons, List<PhaseEvent> phases, List<PluginResult> plugin) {
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
            List<PluginResult> r = new ArrayList<>(TopicReader.readAll(client, t.pluginResults("test-mean-hebbian")).stream()
                .filter(a -> a.getRunId().equals(run)).toList());
            r.sort(Comparator.comparing(PluginResult::getLayer).thenComparingLong(PluginResult::getStep));
            return new Results(l, n, p, r);
        }
    }

    private String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        assertThat(code).as("%s%n%s", out, err).isZero();
        assertThat(out.toString()).contains("replayed");
        return out.toString();
    }

    @Test
    void replayAndReplayAfterExportImportEqualTheLiveAnalysis() throws Exception {
        Path plugins = dir.resolve("plugins");
        PluginJarEndToEndTest.pluginJar(plugins);
        var jarPlugins = Plugins.select(Plugins.discover(Plugins.withJarsIn(plugins, getClass().getClassLoader())),
            List.of("test-mean-hebbian"));
        Topics topics = new Topics("rl");
        Properties a = client(live);
        TopicSetup.ensureTopics(a, topics, 3, (short) 1);
        // ReLU with a small init and a high learning rate: the run shows a bump, so phase events are compared too.
        List<TrainerConfig> runs = List.of(
            TrainerConfig.builder().runId("replayed").activation(Activation.RELU).initScale(0.1).trainSize(1024).validationSize(128)
                .batchSize(64).epochs(5).learningRate(0.3).seed(2).build(),
            TrainerConfig.builder().runId("other").trainSize(256).validationSize(64).batchSize(64).epochs(2).seed(3).build());
        Results liveResults;
        try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(a, topics, "rl-live", dir.resolve("live"),
            AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, 3, (short) 1), jarPlugins)) {
            analyzer.awaitRunning(Duration.ofSeconds(60));
            for (TrainerConfig c : runs) {
                try (EventPublisher p = new EventPublisher(a, topics, new PublishPolicy(1, 20, io.hebbscope.schema.DType.FLOAT32, 32 * 1024))) {
                    new Trainer(c).run(p);
                }
            }
            long expected = 3L * 5 * 16;
            await().atMost(Duration.ofSeconds(120)).until(() -> Results.read(a, topics, "replayed").layers().size() >= expected
                && Results.read(a, topics, "replayed").plugin().size() >= expected);
            liveResults = Results.read(a, topics, "replayed");
        }
        assertThat(liveResults.layers()).hasSize(240);
        assertThat(liveResults.neurons()).hasSize(240);
        assertThat(liveResults.plugin()).hasSize(240);
        assertThat(liveResults.phases()).isNotEmpty();

        cli("replay", "--bootstrap-servers", live.bootstrapServers(), "--topic-prefix", "rl", "--run", "replayed",
            "--output-topic-prefix", "rl-replay", "--plugin-dir", plugins.toString(), "--plugins", "test-mean-hebbian",
            "--stream-threads", "3", // the tasks spread over threads: the same results as the live single thread
            "--application-id", "rl-replay-app");
        Results replayed = Results.read(a, new Topics("rl-replay"), "replayed");
        assertThat(replayed).isEqualTo(liveResults);
        // The same application id again resumes from its committed offsets: nothing left, said so, nothing repeated.
        String again = cli("replay", "--bootstrap-servers", live.bootstrapServers(), "--topic-prefix", "rl", "--run", "replayed",
            "--output-topic-prefix", "rl-replay", "--plugin-dir", plugins.toString(), "--plugins", "test-mean-hebbian",
            "--application-id", "rl-replay-app");
        assertThat(again).containsPattern("application id rl-replay-app has replayed this log before: it resumes from its "
            + "committed offsets, 0 of the log's [1-9][0-9]* records left").contains("replayed 0 records");
        assertThat(Results.read(a, new Topics("rl-replay"), "replayed")).isEqualTo(liveResults);
        // ... and without the output prefix it wrote to, it refuses: the rest would land in new topics of their own.
        StringWriter err = new StringWriter();
        CommandLine refusing = Hebbscope.commandLine();
        refusing.setOut(new PrintWriter(new StringWriter(), true));
        refusing.setErr(new PrintWriter(err, true));
        assertThat(refusing.execute("replay", "--bootstrap-servers", live.bootstrapServers(), "--topic-prefix", "rl",
            "--plugins", "none", "--application-id", "rl-replay-app")).isEqualTo(2);
        assertThat(err.toString()).contains("application id rl-replay-app has replayed this log before: give the "
            + "--output-topic-prefix it wrote to").contains("Usage: hebbscope replay [OPTIONS]").doesNotContain("--run=RUN_ID");
        assertThat(TopicReader.readAll(a, new Topics("rl-replay").layerAlignment())).allMatch(l -> l.getRunId().equals("replayed"));

        Path export = dir.resolve("export");
        new RunExporter(a, topics).export(Set.of("replayed"), export, n -> { });
        Properties b = client(fresh);
        TopicSetup.ensureTopics(b, topics, 2, (short) 1);
        new RunImporter(b, topics).importAll(export, n -> { });
        cli("replay", "--bootstrap-servers", fresh.bootstrapServers(), "--topic-prefix", "rl", "--output-topic-prefix", "rl-imported",
            "--plugin-dir", plugins.toString(), "--plugins", "test-mean-hebbian", "--partitions", "2");
        assertThat(Results.read(b, new Topics("rl-imported"), "replayed")).isEqualTo(liveResults);
    }
}
