package io.hebbscope.cli;

import io.hebbscope.cli.logging.LogFile;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Trainer;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The trainer side alone, publishing to a Kafka cluster that an `analyze` process (or several) reads. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train one run (any task, model and rule) on this machine and publish every layer's terms to Kafka.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Mixin
    TrainingOptions training;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Same as --dataset-dir (the CIFAR-10 files).")
    java.nio.file.Path dataDir;

    @Mixin
    ReplicationOptions replicas;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of topics this command creates (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--no-progress", description = "Print one line per epoch instead of a progress bar.")
    boolean noProgress;

    @Option(names = "--wait-for-analysis", defaultValue = "0", paramLabel = "SECONDS",
        description = "After training, wait up to this long for a running analyzer and print its table (default: ${DEFAULT-VALUE}: don't).")
    int waitForAnalysis;

    @Option(names = "--max-lag", defaultValue = "0", paramLabel = "SECONDS",
        description = "Hold the training while the analysis is more than this far behind, until it is back within half "
            + "of it: on one small machine the trainer's threads would otherwise take the cores the analyzer needs "
            + "(default: ${DEFAULT-VALUE}; 0: never hold).")
    double maxLag;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (dataDir != null && training.datasetDir != null) {
            throw new CommandLine.ParameterException(cmd, "give --data-dir or --dataset-dir, not both");
        }
        var config = training.config(cmd, dataDir);
        var policy = training.policy(cmd);
        Topics topics = kafka.topics(cmd);
        if (partitions < 1) {
            throw new CommandLine.ParameterException(cmd, "--partitions must be >= 1, got " + partitions);
        }
        replicas.validate(cmd);
        TrainingSession.maxLag(cmd, maxLag);
        LogFile.announce(cmd.getOut());
        // ND4J's start-up and the task's data overlap with reaching the cluster.
        CompletableFuture<Trainer> trainer = TrainingSession.prepare(config);
        Properties client = kafka.connect(cmd);
        TopicSetup.ensureTopics(client, topics, partitions, replicas.replication, replicas.minInsyncReplicas);
        TrainingSession.Result result = TrainingSession.run(client, topics, TrainingSession.ready(trainer), policy,
            cmd.getOut(), !noProgress && System.console() != null, Duration.ofSeconds(Math.max(0, waitForAnalysis)), () -> null,
            TrainingSession.maxLag(cmd, maxLag));
        return "completed".equals(result.summary().status()) ? 0 : 2;
    }
}
