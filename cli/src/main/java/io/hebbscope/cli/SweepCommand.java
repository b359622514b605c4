package io.hebbscope.cli;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.lab.sweep.RunOutcome;
import io.hebbscope.lab.sweep.SweepGrid;
import io.hebbscope.lab.sweep.SweepReport;
import io.hebbscope.lab.sweep.SweepRunner;
import io.hebbscope.lab.sweep.SweepTable;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A grid of runs, trained in parallel threads into the same topics, analyzed by one analyzer; the results table
 * comes from the analyzer's output topics, the code path of live monitoring.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, defaultValueProvider = CommandDefaults.class,
    description = "Train a grid of runs (model x rule x γ x σ x learning rate x seed), analyze them, and write a results "
        + "table (CSV, Markdown) with a summary in the layout of the paper's Table 1.")
final class SweepCommand implements Callable<Integer> {
    @CommandLine.Mixin
    TrainingOptions training;

    @CommandLine.Mixin
    AnalysisOptions analysis;

    @Option(names = "--models", split = ",", defaultValue = "mlp", description = "Models (default: ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--rules", split = ",", defaultValue = "sgd", description = "Update rules (default: ${DEFAULT-VALUE}).")
    List<String> rules;

    @Option(names = "--gammas", split = ",", defaultValue = "0,5e-5,5e-4,5e-3", description = "Weight decays γ (default: ${DEFAULT-VALUE}).")
    List<Double> gammas;

    @Option(names = "--sigmas", split = ",", defaultValue = "0", description = "Weight-noise σ values (default: ${DEFAULT-VALUE}).")
    List<Double> sigmas;

    @Option(names = "--learning-rates", split = ",", defaultValue = "0.01", description = "Learning rates (default: ${DEFAULT-VALUE}).")
    List<Double> learningRates;

    @Option(names = "--seeds", split = ",", defaultValue = "1,2,3", description = "Seeds (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--parallel", defaultValue = "2", description = "Runs trained at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--average-epochs", defaultValue = "1", paramLabel = "K",
        description = "The alignment at convergence is the mean over each run's last K epochs (default: ${DEFAULT-VALUE}, "
            + "the last epoch).")
    int averageEpochs;

    @Option(names = "--out", defaultValue = "sweep-results", paramLabel = "DIR",
        description = "Where results.csv, runs.md and summary.md go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--layer", defaultValue = "layer1",
        description = "Layer of the Table 1 summary (default: ${DEFAULT-VALUE}, the paper's second linear layer).")
    String layer;

    @Option(names = "--sweep-id", paramLabel = "ID", description = "Prefix of the run ids (default: sweep-<time>).")
    String sweepId;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
        description = "Use this Kafka cluster instead of starting one in-process.")
    String bootstrapServers;

    @Option(names = "--analysis-timeout", defaultValue = "1800", paramLabel = "SECONDS",
        description = "How long to wait for the analyzer after training (default: ${DEFAULT-VALUE}).")
    int analysisTimeout;

    @CommandLine.Mixin
    BrokerStartOptions brokerStart;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        PrintWriter w = cmd.getOut();
        TrainerConfig base = training.config(cmd);
        PublishPolicy policy = training.policy(cmd);
        var settings = analysis.settings(cmd);
        var metricsAuth = analysis.metricsAuth(cmd);
        var plugins = analysis.plugins(cmd);
        brokerStart.timeout(cmd);
        if (bootstrapServers != null) {
            KafkaOptions.requireValidBootstrap(cmd, "--bootstrap-servers", bootstrapServers);
        }
        SweepGrid grid;
        SweepRunner sweep;
        String id = sweepId != null ? sweepId : "sweep-" + System.currentTimeMillis() / 1000;
        try {
            grid = new SweepGrid(models, rules, gammas, sigmas, learningRates, seeds);
            sweep = new SweepRunner(grid, id, base, policy, parallel).averageEpochs(averageEpochs);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        // every run of the sweep is analyzed, however many finish within the retention time
        settings = settings.withAdmission(settings.admission().withMaxActiveRuns(
            Math.max(settings.admission().maxActiveRuns(), sweep.runs())));
        Files.createDirectories(out);
        Path work = Files.createTempDirectory("hebbscope-sweep");
        EmbeddedKafkaBroker broker = null;
        try {
            Properties client = new Properties();
            if (bootstrapServers == null) {
                w.print("starting Kafka ... ");
                w.flush();
                broker = brokerStart.start(cmd, EmbeddedKafkaBroker.builder(), w);
                w.println(broker.bootstrapServers());
                client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            } else {
                client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
                KafkaOptions.check(client, Duration.ofSeconds(15));
            }
            Topics topics = Topics.withDefaultPrefix();
            TopicSetup.ensureTopics(client, topics, analysis.partitions(), (short) (broker != null ? 1 : -1));
            w.printf(Locale.ROOT, "sweep %s: %d runs (%d at once), %s%d epochs each%n", id, sweep.runs(), parallel,
                base.untilConverged() ? "until converged, at most " : "", base.epochs());
            try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "hebbscope-" + id, work.resolve("streams"),
                settings, analysis.metricsHost, analysis.metricsPort, analysis.partitions(), (short) (broker != null ? 1 : -1))
                .withMetricsAuth(metricsAuth)
                .withStreamThreads(analysis.streamThreads), plugins)) {
                analyzer.awaitRunning(Duration.ofSeconds(60));
                SweepRunner.Result result = sweep.run(client, topics, Duration.ofSeconds(analysisTimeout), new Display(w));
                if (!result.complete()) {
                    w.println("the analyzer has not finished every run within " + analysisTimeout + " s; the table has what it analyzed");
                }
                SweepTable table = result.table();
                SweepReport.write(table, out, layer, sweep.configs(), grid, w);
                if (analyzer.failure() != null) {
                    throw new IllegalStateException("the analyzer failed", analyzer.failure());
                }
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
            DemoCommand.deleteRecursively(work);
        }
        return 0;
    }

    /** One line per finished run. */
    private record Display(PrintWriter w) implements SweepRunner.Listener {
        @Override
        public void runFinished(int done, int total, String runId, RunOutcome outcome) {
            w.printf(Locale.ROOT, "[%d/%d] %s %s%s after %s epochs, validation loss %s%s%n", done, total, runId,
                outcome.summary().status(), outcome.converged() ? " (converged)" : "", outcome.epochs(),
                outcome.summary().finalValidationLoss() == null ? "n/a"
                    : String.format(Locale.ROOT, "%.5f", outcome.summary().finalValidationLoss()),
                outcome.collapsed() ? ", collapsed" : "");
        }

        @Override
        public void awaitingAnalysis() {
            w.println("waiting for the analyzer ...");
        }
    }
}
