package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.plugin.AnalyzerPlugin;
import io.hebbscope.analyzer.plugin.Plugins;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.cli.testplugin.StepCountPlugin;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.PluginResult;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plug-in found in a jar (built here, with its service file) runs in a live analyzer on a real broker. */
class PluginJarEndToEndTest {
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

    static Path pluginJar(Path into) throws Exception {
        Path jar = Files.createDirectories(into).resolve("test-plugin.jar");
        String classFile = StepCountPlugin.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             InputStream in = StepCountPlugin.class.getClassLoader().getResourceAsStream(classFile)) {
            out.putNextEntry(new JarEntry(classFile));
            in.transferTo(out);
            out.putNextEntry(new JarEntry("META-INF/services/" + AnalyzerPlugin.class.getName()));
            out.write((StepCountPlugin.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }

    @Test
    void aPluginFromAJarRunsLiveAlongsideTheShippedOnes() throws Exception {
        Path jars = dir.resolve("plugins");
        pluginJar(jars);
        Map<String, AnalyzerPlugin> found = Plugins.discover(Plugins.withJarsIn(jars, getClass().getClassLoader()));
        assertThat(found).containsKeys("test-mean-hebbian", "stationarity", "gradient-alignment", "oja-alignment");
        Map<String, AnalyzerPlugin> withoutJar = Plugins.discover(getClass().getClassLoader());
        assertThat(withoutJar).doesNotContainKey("test-mean-hebbian");

        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        Topics topics = new Topics("pj");
        TrainerConfig config = TrainerConfig.builder().runId("plug-run").trainSize(300).validationSize(100).batchSize(100)
            .epochs(2).learningRate(0.05).weightDecay(2e-3).seed(4).build();
        try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "pj-analyzer", dir.resolve("state"),
            AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, 2, (short) 1), List.copyOf(found.values()))) {
            analyzer.awaitRunning(Duration.ofSeconds(60));
            try (EventPublisher publisher = new EventPublisher(client, topics,
                new PublishPolicy(1, 1000, io.hebbscope.schema.DType.FLOAT32, 16 * 1024))) {
                new Trainer(config).run(publisher);
            }
            List<PluginResult> results = new ArrayList<>();
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                results.clear();
                results.addAll(TopicReader.readAll(client, topics.pluginResults("test-mean-hebbian")));
                return results.size() >= 3 * 6;
            });
            List<LayerStep> events = TopicReader.readAll(client, topics.layerSteps());
            for (PluginResult r : results) {
                double sum = 0;
                int n = 0;
                for (LayerStep e : events) {
                    if (e.getLayer().equals(r.getLayer()) && e.getStep() == r.getStep()) {
                        for (float v : TensorCodec.decodeFloats(e.getHebbian())) {
                            sum += v;
                            n++;
                        }
                    }
                }
                assertThat(r.getValues().get("mean")).isCloseTo(sum / n, within(1e-6));
                assertThat(r.getValues().get("weightDecay")).isEqualTo(2e-3);
            }
            List<PluginResult> stationarity = TopicReader.readAll(client, topics.pluginResults("stationarity"));
            assertThat(stationarity).hasSize(3 * 6);
            // Oja's direction needs W(step) and E[h²], both from the log: every step has them
            List<PluginResult> oja = TopicReader.readAll(client, topics.pluginResults("oja-alignment"));
            assertThat(oja).hasSize(3 * 6).allSatisfy(r -> assertThat(r.getValues()).containsKeys("signal", "gradient", "update"));
            assertThat(analyzer.failure()).isNull();
        }
    }
}
