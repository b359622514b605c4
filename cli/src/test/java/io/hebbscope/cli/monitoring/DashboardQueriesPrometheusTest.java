package io.hebbscope.cli.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every PromQL expression of every dashboard, evaluated by a real Prometheus that scraped a real analyzer
 * during a short real run: the variables' label_values queries pick the run and its layers, every panel query
 * and annotation is evaluated with them substituted, and each must return data, except the few whose data only
 * comes with phase detectors, the oscillation detector or a classification task (marked hebbscopeNeeds in the
 * JSON): those must still be valid PromQL.
 */
class DashboardQueriesPrometheusTest {
    static final String RUN = "dashboards-run";
    /** The demo's network (32-128-128-32) and per-neuron limit: the run's series count is the demo's. */
    static final int STEPS = 120;

    @TempDir
    Path work;

    @Test
    void everyDashboardQueryReturnsDataFromARealPrometheusScrapingARealAnalyzer() throws Exception {
        Path binary = PrometheusProcess.binary();
        Topics topics = new Topics("dash");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "dash-analyzer", work.resolve("streams"),
                     AnalyzerSettings.DEFAULTS, "127.0.0.1", 0, 2, (short) 1));
                 PrometheusProcess prometheus = PrometheusProcess.start(binary, work.resolve("prometheus"), analyzer.metricsPort())) {
                analyzer.awaitRunning(Duration.ofSeconds(60));
                double start = now() - 2;

                // A short live run: about 10 s, so that Prometheus scrapes it while it trains.
                TrainerConfig config = TrainerConfig.builder().runId(RUN).trainSize(1200).validationSize(200).batchSize(100)
                    .epochs(STEPS / 12).learningRate(0.05).weightDecay(1e-3).noiseSigma(1e-4).seed(11).build();
                RunSummary summary;
                try (EventPublisher publisher = new EventPublisher(client, topics, PublishPolicy.DEFAULT)) {
                    summary = new Trainer(config).run(publisher, pace(Duration.ofMillis(70)));
                }
                assertThat(summary.status()).isEqualTo("completed");
                assertThat(summary.steps()).isEqualTo(STEPS);

                // Wait until Prometheus has scraped the end of the analysis.
                awaitValue(prometheus, "min(hebbscope_analyzed_step{run=\"" + RUN + "\"}) == " + (STEPS - 1)
                    + " and count(hebbscope_analyzed_step{run=\"" + RUN + "\"}) == 3", Duration.ofSeconds(120));
                assertThat(analyzer.failure()).isNull();
                Thread.sleep(2000);
                double end = now();

                Report report = evaluateAll(prometheus, start, end);
                long runSeries = (long) number(prometheus.query("count({__name__=~\"hebbscope_.+\",run=\"" + RUN + "\"})", end));
                // phase-event series exist per detected kind: how many depends on the run's dynamics
                long phaseSeries = (long) number(prometheus.query("count({__name__=~\"hebbscope_phase_.+\",run=\"" + RUN
                    + "\"}) or vector(0)", end));
                long allSeries = (long) number(prometheus.query("count({__name__=~\"hebbscope_.+\"})", end));
                String summaryText = String.format(Locale.ROOT,
                    "evaluated %d dashboard queries through Prometheus's HTTP API: %d panel targets and %d annotations "
                        + "(%d required to return data, %d marked as needing detectors or a classification task) and %d "
                        + "variable queries; series of the demo-size run (32-128-128-32): %d, all hebbscope series: %d",
                    report.evaluated(), report.targets, report.annotations, report.required, report.optional,
                    report.variables, runSeries, allSeries);
                System.out.println(summaryText);
                Files.writeString(Path.of("target", "dashboard-queries-report.txt"), summaryText + "\n"
                    + String.join("\n", report.optionalQueries) + "\n");
                assertThat(report.failures).as("dashboard queries that failed").isEmpty();
                assertThat(report.targets).isGreaterThanOrEqualTo(45);
                // 3 layers x 121 + per-neuron 128 + 128 + 32 + 7 per run (MetricsCardinalityTest has the breakdown),
                // plus the oscillation share per layer, plus 3 series per detected phase-event kind and layer.
                assertThat(runSeries - phaseSeries).isEqualTo(3 * 121 + 288 + 7 + 3);
                assertThat(phaseSeries % 3).isZero();
            }
        }
    }

    /** Evaluates every variable, panel target and annotation of every dashboard. */
    private static Report evaluateAll(PrometheusProcess prometheus, double start, double end) {
        Report report = new Report();
        for (Dashboard d : MonitoringFiles.dashboards()) {
            Map<String, String> values = new LinkedHashMap<>();
            for (Dashboard.Variable v : d.variables()) {
                if (v.type().equals("custom")) {
                    values.put(v.name(), v.current());
                    continue;
                }
                String[] lv = v.labelValues();
                String selector = Dashboard.substitute(lv[0], values);
                List<String> found;
                try {
                    found = prometheus.labelValues(selector, lv[1], start, end);
                } catch (PrometheusProcess.PromQLException e) {
                    report.failures.add(d.file() + " variable " + v.name() + ": " + e.getMessage());
                    continue;
                } finally {
                    report.variables++;
                }
                if (found.isEmpty()) {
                    report.failures.add(d.file() + " variable " + v.name() + " (" + v.query() + "): no values");
                    continue;
                }
                if (v.multi() || v.includeAll()) {
                    values.put(v.name(), Dashboard.regexValue(found)); // "All"
                } else {
                    String preferred = v.name().equals("run") ? RUN : v.name().equals("layer") ? "layer1" : found.get(0);
                    values.put(v.name(), found.contains(preferred) ? preferred : found.get(0));
                }
            }
            for (Dashboard.Query q : d.queries()) {
                String expr = Dashboard.substitute(q.expr(), values);
                // the oscillation detector runs in every analyzer now: its share is set once a window of steps is in
                boolean required = q.needs() == null || q.needs().equals("oscillation-detector");
                if (q.refId().equals("annotation")) {
                    report.annotations++;
                } else {
                    report.targets++;
                }
                if (required) {
                    report.required++;
                } else {
                    report.optional++;
                    report.optionalQueries.add("needs " + q.needs() + ": " + q);
                }
                try {
                    JsonNode data = q.instant() ? prometheus.query(expr, end) : prometheus.queryRange(expr, start, end, 1);
                    if (required && !PrometheusProcess.hasData(data)) {
                        report.failures.add(q + "\n    substituted: " + expr + "\n    returned no data");
                    }
                } catch (PrometheusProcess.PromQLException e) {
                    report.failures.add(q + "\n    substituted: " + expr + "\n    rejected: " + e.getMessage());
                }
            }
        }
        return report;
    }

    private static final class Report {
        int targets;
        int annotations;
        int variables;
        int required;
        int optional;
        final List<String> failures = new ArrayList<>();
        final List<String> optionalQueries = new ArrayList<>();

        int evaluated() {
            return targets + annotations + variables;
        }
    }

    /** Slows training to a pace a human (and a 1 s scrape) can follow. */
    private static TrainingListener pace(Duration perStep) {
        return new TrainingListener() {
            @Override
            public void onStep(StepRecord step) {
                try {
                    Thread.sleep(perStep.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    private static void awaitValue(PrometheusProcess prometheus, String expr, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!PrometheusProcess.hasData(prometheus.query(expr, now()))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Prometheus never answered " + expr + " within " + timeout.toSeconds() + " s\n"
                    + prometheus.logTail());
            }
            Thread.sleep(500);
        }
    }

    private static double number(JsonNode data) {
        return data.path("result").get(0).path("value").get(1).asDouble();
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }
}
