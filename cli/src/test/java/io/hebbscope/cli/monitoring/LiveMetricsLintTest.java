package io.hebbscope.cli.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prometheus' own lint on what a live analyzer serves: {@code promtool check metrics} on scrapes taken while a run
 * trains and after it, and {@code promtool check config} on the Prometheus configuration the stack ships.
 */
class LiveMetricsLintTest {
    @TempDir
    Path work;

    @Test
    void scrapesOfALiveAnalyzerAreLintClean() throws Exception {
        Path promtool = promtool();
        Topics topics = new Topics("lint");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "lint-analyzer", work.resolve("streams"),
                AnalyzerSettings.DEFAULTS, "127.0.0.1", 0, 2, (short) 1), List.of())) {
                analyzer.awaitRunning(Duration.ofSeconds(120));
                TrainerConfig config = TrainerConfig.builder().runId("lint-run").trainSize(1200).validationSize(200)
                    .batchSize(100).epochs(5).learningRate(0.05).weightDecay(1e-3).seed(3).build();
                List<String> scrapes = new ArrayList<>();
                HttpClient http = HttpClient.newHttpClient();
                URI metrics = URI.create("http://127.0.0.1:" + analyzer.metricsPort() + "/metrics");
                try (EventPublisher publisher = new EventPublisher(client, topics, PublishPolicy.DEFAULT)) {
                    new Trainer(config).run(publisher, new TrainingListener() {
                        @Override
                        public void onStep(StepRecord step) {
                            if (step.step() % 20 == 19) {
                                scrapes.add(scrape(http, metrics));
                            }
                        }
                    });
                }
                // and once the analysis has caught up, with every family of the run present
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                String last = scrape(http, metrics);
                while (!last.contains("hebbscope_analyzed_step{layer=\"layer2\",run=\"lint-run\"} 59.0") && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    last = scrape(http, metrics);
                }
                assertThat(last).contains("hebbscope_analyzed_step{layer=\"layer2\",run=\"lint-run\"} 59.0")
                    .contains("hebbscope_neurons_by_rolling_alignment_bucket{").contains("hebbscope_neuron_alignment_quantile{");
                scrapes.add(last);
                for (String s : scrapes) {
                    Result lint = run(promtool, s, "check", "metrics");
                    assertThat(lint.output()).as("promtool check metrics on a live scrape:%n%s", s).isEmpty();
                    assertThat(lint.exitCode()).isZero();
                }
                System.out.printf("promtool check metrics: %d live scrapes clean, the last %d lines%n", scrapes.size(),
                    last.lines().count());
            }
        }
    }

    @Test
    void theShippedPrometheusConfigIsValid() throws Exception {
        Path config = MonitoringFiles.root().resolve("prometheus/prometheus.yml");
        Result check = run(promtool(), "", "check", "config", config.toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS");
    }

    private record Result(int exitCode, String output) {}

    /** promtool ships beside prometheus (Debian's package), which the dashboard test finds. */
    private static Path promtool() {
        Path p = PrometheusProcess.binary().resolveSibling("promtool");
        assertThat(p).as("promtool beside " + PrometheusProcess.binary()).isExecutable();
        return p;
    }

    private static Result run(Path promtool, String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("promtool ended").isTrue();
        return new Result(p.exitValue(), out.trim());
    }

    private static String scrape(HttpClient http, URI metrics) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
