package io.hebbscope.cli;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.cli.logging.LogFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The analyzer alone, against a Kafka cluster; runs until interrupted. */
@Command(name = "analyze", mixinStandardHelpOptions = true,
    description = "Run the Kafka Streams analyzer and its Prometheus endpoint until Ctrl-C.")
final class AnalyzeCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Mixin
    AnalysisOptions analysis;

    @Option(names = "--application-id", defaultValue = "hebbscope-analyzer",
        description = "Kafka Streams application id; instances with the same id share the work (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--state-dir", defaultValue = "hebbscope-data/streams", paramLabel = "DIR",
        description = "Local state of the analyzer (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Mixin
    ReplicationOptions replicas;

    @Option(names = "--output-topic-prefix", paramLabel = "PREFIX",
        description = "Write the derived topics (alignment, phases, dead letters) under this prefix instead of --topic-prefix:"
            + " a replay with a new --application-id reads the stored log from offset 0 and writes beside the live results.")
    String outputPrefix;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        var settings = analysis.settings(cmd);
        var plugins = analysis.plugins(cmd);
        var metricsAuth = analysis.metricsAuth(cmd);
        replicas.validate(cmd);
        var topics = kafka.topics(cmd);
        io.hebbscope.schema.Topics output;
        try {
            output = outputPrefix == null ? topics : new io.hebbscope.schema.Topics(outputPrefix);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        LogFile.announce(cmd.getOut());
        var client = kafka.connect(cmd);
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, applicationId, stateDir, settings,
            analysis.metricsHost, analysis.metricsPort, analysis.partitions(), replicas.replication)
            .withOutputTopics(output).withFinishedRunRetention(analysis.finishedRunRetention()).withMetricsAuth(metricsAuth)
                .withStreamThreads(analysis.streamThreads).withMinInsyncReplicas(replicas.minInsyncReplicas),
            plugins)) {
            // On Ctrl-C the JVM exits once the hooks return: the hook waits for the analyzer to commit and close.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    closed.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "analyzer-shutdown"));
            analyzer.awaitRunning(Duration.ofSeconds(120));
            // The instant lets `bench` time the stored log from RUNNING on the analyzer's own clock.
            cmd.getOut().printf("analyzer %s running on %s since %s%s; Ctrl-C to stop%n", applicationId,
                kafka.bootstrapServers, analyzer.firstRunning(),
                analyzer.metricsPort() > 0 ? ", metrics at http://" + analysis.metricsHost + ":" + analyzer.metricsPort() + "/metrics"
                    + (metricsAuth != null ? " (basic auth)" : "") : "");
            if (!plugins.isEmpty()) {
                cmd.getOut().println("plug-ins: " + plugins.stream().map(p -> p.id()).toList());
            }
            while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                if (analyzer.failure() != null) {
                    throw new IllegalStateException("the analyzer failed", analyzer.failure());
                }
            }
            return 0;
        } finally {
            closed.countDown();
        }
    }
}
