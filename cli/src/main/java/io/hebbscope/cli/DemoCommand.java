package io.hebbscope.cli;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.cli.logging.LogFile;
import io.hebbscope.schema.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Everything on this machine: an in-process Kafka broker, the analyzer with its metrics endpoint, one training run. */
@Command(name = "demo", mixinStandardHelpOptions = true, defaultValueProvider = CommandDefaults.class,
    description = "Start a Kafka broker in-process, the analyzer and its Prometheus endpoint, train one SRE run on "
        + "the CPU with live alignment, and print the final per-layer table.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    TrainingOptions training;

    @Mixin
    AnalysisOptions analysis;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Keep the broker's data (the event log) in this directory; default: a temporary one, deleted at exit.")
    Path dataDir;

    @Option(names = "--no-progress", description = "Print one line per epoch instead of a progress bar.")
    boolean noProgress;

    @Option(names = "--analysis-timeout", defaultValue = "300", paramLabel = "SECONDS",
        description = "How long to wait for the analyzer to finish after training (default: ${DEFAULT-VALUE}).")
    int analysisTimeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        PrintWriter out = cmd.getOut();
        var config = training.config(cmd);
        var policy = training.policy(cmd);
        var settings = analysis.settings(cmd);
        var plugins = analysis.plugins(cmd);
        Path work = Files.createTempDirectory("hebbscope-demo");
        try {
            EmbeddedKafkaBroker.Builder brokerBuilder = EmbeddedKafkaBroker.builder();
            if (dataDir != null) {
                brokerBuilder.dataDir(dataDir).keepData(true);
            }
            LogFile.announce(out);
            out.print("starting Kafka ... ");
            out.flush();
            try (EmbeddedKafkaBroker broker = brokerBuilder.build().start()) {
                out.println(broker.bootstrapServers() + (dataDir != null ? " (data in " + dataDir.toAbsolutePath() + ")" : ""));
                Properties client = new Properties();
                client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
                Topics topics = Topics.withDefaultPrefix();
                try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "hebbscope-analyzer",
                    work.resolve("streams"), settings, analysis.metricsHost, analysis.metricsPort, analysis.partitions, (short) 1)
                    .withFinishedRunRetention(analysis.finishedRunRetention()), plugins)) {
                    analyzer.awaitRunning(Duration.ofSeconds(60));
                    if (!plugins.isEmpty()) {
                        out.println("plug-ins: " + plugins.stream().map(p -> p.id()).toList());
                    }
                    if (analyzer.metricsPort() > 0) {
                        out.printf("analyzer running; Prometheus metrics at http://%s:%d/metrics%n", analysis.metricsHost,
                            analyzer.metricsPort());
                    }
                    TrainingSession.Result result = TrainingSession.run(client, topics, config, policy, out, !noProgress && System.console() != null,
                        Duration.ofSeconds(analysisTimeout));
                    if (analyzer.failure() != null) {
                        throw new IllegalStateException("the analyzer failed", analyzer.failure());
                    }
                    return "completed".equals(result.summary().status()) ? 0 : 2;
                }
            }
        } finally {
            deleteRecursively(work);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
