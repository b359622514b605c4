package io.hebbscope.cli;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.StartupWarmup;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.cli.logging.LogFile;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.ThreadPriority;
import io.hebbscope.trainer.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
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

    @Mixin
    BrokerStartOptions brokerStart;

    @Option(names = "--no-progress", description = "Print one line per epoch instead of a progress bar.")
    boolean noProgress;

    @Option(names = "--analysis-timeout", defaultValue = "300", paramLabel = "SECONDS",
        description = "How long to wait for the analyzer to finish after training (default: ${DEFAULT-VALUE}).")
    int analysisTimeout;

    @Option(names = "--max-lag", defaultValue = "1", paramLabel = "SECONDS",
        description = "An analyzer shares this machine's cores: the training and publisher threads run at a lower OS "
            + "priority (nice " + ThreadPriority.YIELDING_NICE + "), and the training is held while the analysis is more "
            + "than this far behind, until it is back within half of it (default: ${DEFAULT-VALUE}; 0: neither).")
    double maxLag;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        PrintWriter out = cmd.getOut();
        var config = training.config(cmd);
        var policy = training.policy(cmd).withCheckpoints(true);
        var metricsAuth = analysis.metricsAuth(cmd);
        brokerStart.timeout(cmd);
        TrainingSession.maxLag(cmd, maxLag);
        // Start-up work that does not need Kafka (ND4J, the task's data) overlaps with the broker's start.
        CompletableFuture<Trainer> trainer = TrainingSession.prepare(config);
        StartupWarmup.loadStoreLibrary();
        var settings = analysis.settings(cmd);
        var plugins = analysis.plugins(cmd);
        requireFreeMetricsPort();
        Path work = Files.createTempDirectory("hebbscope-demo");
        try {
            LogFile.announce(out);
            EmbeddedKafkaBroker.Builder brokerBuilder = EmbeddedKafkaBroker.builder();
            if (dataDir != null) {
                brokerBuilder.dataDir(dataDir).keepData(true);
            }
            out.print("starting Kafka ... ");
            out.flush();
            try (EmbeddedKafkaBroker broker = brokerStart.start(cmd, brokerBuilder, out)) {
                out.println(broker.bootstrapServers() + (dataDir != null ? " (data in " + dataDir.toAbsolutePath() + ")" : ""));
                Properties client = new Properties();
                client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
                Topics topics = Topics.withDefaultPrefix();
                int partitions = partitions();
                StartupWarmup.transactionCoordinator(client, Duration.ofSeconds(30));
                TopicSetup.ensureTopics(client, topics, partitions, (short) 1);
                try (BackgroundAnalyzer analyzer = new BackgroundAnalyzer(new Analyzer.Options(client, topics,
                    "hebbscope-analyzer", work.resolve("streams"), settings, analysis.metricsHost, analysis.metricsPort,
                    partitions, (short) 1).withFinishedRunRetention(analysis.finishedRunRetention())
                    .withMetricsAuth(metricsAuth)
                .withStreamThreads(analysis.streamThreads), plugins)) {
                    if (!plugins.isEmpty()) {
                        out.println("plug-ins: " + plugins.stream().map(p -> p.id()).toList());
                    }
                    if (analysis.metricsPort >= 0) {
                        // A free port (0) is known once the endpoint listens.
                        int port = analysis.metricsPort > 0 ? analysis.metricsPort : analyzer.awaitStarted().metricsPort();
                        out.printf("analyzer starting; Prometheus metrics at http://%s:%d/metrics%s%n", analysis.metricsHost, port,
                            metricsAuth != null ? " (basic auth)" : "");
                    }
                    // Live first: training starts once the analyzer is RUNNING (it started beside the trainer's
                    // preparation), so the analysis follows from the first step instead of catching up afterwards.
                    analyzer.awaitStarted().awaitRunning(Duration.ofMinutes(5));
                    TrainingSession.Result result = TrainingSession.run(client, topics, TrainingSession.ready(trainer), policy,
                        out, !noProgress && System.console() != null, Duration.ofSeconds(analysisTimeout), analyzer::failure,
                        TrainingSession.maxLag(cmd, maxLag));
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

    /** One trainer: more partitions than stream threads would only add tasks to start before the first step. */
    int partitions() {
        return analysis.partitions(analysis.streamThreads);
    }

    /** A taken fixed port fails here, clearly, rather than in the analyzer starting beside the training. */
    private void requireFreeMetricsPort() {
        if (analysis.metricsPort <= 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(analysis.metricsHost), analysis.metricsPort));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve metrics on " + analysis.metricsHost + ":" + analysis.metricsPort
                + ": " + e.getMessage(), e);
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
