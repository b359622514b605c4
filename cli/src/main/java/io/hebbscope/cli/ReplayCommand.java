package io.hebbscope.cli;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.schema.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Re-runs the analyzer (and plug-ins) over the stored log under a new application id, into output topics of
 * their own, until it has caught up with the log as it was at the start; the live analyzer is not disturbed.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, defaultValueProvider = CommandDefaults.class,
    description = "Analyze stored events again (all runs or --run ones) into topics of their own prefix, then exit.")
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    ReplicationOptions replicas;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    AnalysisOptions analysis;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "A run to replay (repeatable); default: every run.")
    List<String> runs = List.of();

    @Option(names = "--output-topic-prefix", paramLabel = "PREFIX",
        description = "Prefix of the replay's output topics (default: <topic-prefix>.replay-<time>).")
    String outputPrefix;

    @Option(names = "--application-id", paramLabel = "ID", description = "Kafka Streams application id (default: hebbscope-replay-<time>).")
    String applicationId;

    @Option(names = "--timeout", defaultValue = "3600", paramLabel = "SECONDS",
        description = "Give up when the replay has not caught up within this long (default: ${DEFAULT-VALUE}).")
    int timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        var settings = analysis.settings(cmd);
        var plugins = analysis.plugins(cmd);
        var metricsAuth = analysis.metricsAuth(cmd);
        replicas.validate(cmd);
        Topics in = kafka.topics(cmd);
        long now = System.currentTimeMillis() / 1000;
        Topics out;
        try {
            out = new Topics(outputPrefix != null ? outputPrefix : in.prefix() + ".replay-" + now);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
        if (out.prefix().equals(in.prefix())) {
            throw new CommandLine.ParameterException(cmd, "--output-topic-prefix must differ from --topic-prefix: a replay "
                + "must not write into the live analyzer's topics");
        }
        String appId = applicationId != null ? applicationId : "hebbscope-replay-" + now;
        var client = kafka.connect(cmd);
        ReplayProgress progress = ReplayProgress.capture(client, in, appId);
        if (progress.resumes() && outputPrefix == null) {
            throw new CommandLine.ParameterException(cmd, "application id " + appId + " has replayed this log before: "
                + "give the --output-topic-prefix it wrote to, to finish that replay, or a new --application-id "
                + "to replay the whole log (without either, the rest would go to new topics of their own)");
        }
        Path state = Files.createTempDirectory("hebbscope-replay");
        try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, in, appId, state, settings, analysis.metricsHost,
            analysis.metricsPort, analysis.partitions(), replicas.replication).withOutputTopics(out).withMetricsAuth(metricsAuth)
                .withStreamThreads(analysis.streamThreads).withMinInsyncReplicas(replicas.minInsyncReplicas)
            .withRuns(new LinkedHashSet<>(runs)), plugins)) {
            analyzer.awaitRunning(Duration.ofSeconds(120));
            cmd.getOut().printf("replaying %s into %s.* (application id %s)%s%n", runs.isEmpty() ? "every run" : runs, out.prefix(),
                appId, plugins.isEmpty() ? "" : ", plug-ins " + plugins.stream().map(p -> p.id()).toList());
            if (progress.resumes()) {
                cmd.getOut().printf(Locale.ROOT, "application id %s has replayed this log before: it resumes from its "
                    + "committed offsets, %d of the log's %d records left%n", appId, progress.records(),
                    progress.logRecords());
            }
            long start = System.nanoTime();
            if (!progress.awaitCaughtUp(Duration.ofSeconds(timeout), () -> analyzer.failure() != null)) {
                if (analyzer.failure() != null) {
                    throw new IllegalStateException("the analyzer failed", analyzer.failure());
                }
                cmd.getErr().println("error: the replay has not caught up within " + timeout + " s");
                return 1;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (progress.bytes() >= 0) {
                cmd.getOut().printf(Locale.ROOT, "replayed %d records, %.1f MB in %.1f s: %.0f records/s, %.1f MB/s%n",
                    progress.records(), progress.bytes() / 1e6, seconds, progress.records() / seconds,
                    progress.bytes() / 1e6 / seconds);
            } else { // the log's size takes DESCRIBE on the cluster
                cmd.getOut().printf(Locale.ROOT, "replayed %d records in %.1f s: %.0f records/s%n", progress.records(), seconds,
                    progress.records() / seconds);
            }
        } finally {
            DemoCommand.deleteRecursively(state);
        }
        return 0;
    }
}
