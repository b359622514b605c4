package io.hebbscope.cli;

import io.hebbscope.cli.logging.LogFile;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.ThreadPriority;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.ResumePoint;
import io.hebbscope.trainer.tasks.Cifar10Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
        description = "An analyzer shares this machine's cores: the training and publisher threads run at a lower OS "
            + "priority (nice " + ThreadPriority.YIELDING_NICE + "), and the training is held while the analysis is more "
            + "than this far behind, until it is back within half of it (default: ${DEFAULT-VALUE}; 0: neither).")
    double maxLag;

    @Option(names = "--resume", paramLabel = "RUN_ID",
        description = "Continue run RUN_ID, whose trainer crashed, from its latest checkpoint in the log: the same run id, "
            + "config, weights, optimizer state and random streams, from the step after the checkpoint (steps published "
            + "after it are published again; the analyzer counts them as duplicates). The run's options come from its "
            + "RunStarted: give only Kafka and display options (and --dataset-dir).")
    String resume;

    /** How long resuming may take to read the runs and checkpoints topics. */
    static final Duration RESUME_READ_TIMEOUT = Duration.ofMinutes(2);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (dataDir != null && training.datasetDir != null) {
            throw new CommandLine.ParameterException(cmd, "give --data-dir or --dataset-dir, not both");
        }
        if (resume != null) {
            return resume(cmd);
        }
        var config = training.config(cmd, dataDir);
        var policy = training.policy(cmd).withCheckpoints(true);
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

    /**
     * train --resume: reads the run's RunStarted and latest checkpoint, refuses (exit 1, one line) a run that is not
     * there, has finished or has no checkpoint, and otherwise trains it on from the checkpoint's step + 1.
     */
    private int resume(CommandLine cmd) throws Exception {
        List<String> given = new ArrayList<>();
        CommandLine.ParseResult parsed = cmd.getParseResult();
        for (CommandLine.Model.OptionSpec o : spec.mixins().get("training").options()) {
            if (parsed.hasMatchedOption(o) && !o.longestName().equals("--dataset-dir")) {
                given.add(o.longestName());
            }
        }
        if (!given.isEmpty()) {
            throw new CommandLine.ParameterException(cmd, "--resume continues run " + resume + " with the options it "
                + "started with (its RunStarted); drop " + String.join(", ", given));
        }
        try {
            io.hebbscope.schema.Keys.requireValidName("run id", resume);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--resume: " + e.getMessage());
        }
        Topics topics = kafka.topics(cmd);
        if (partitions < 1) {
            throw new CommandLine.ParameterException(cmd, "--partitions must be >= 1, got " + partitions);
        }
        replicas.validate(cmd);
        Duration maxLagDuration = TrainingSession.maxLag(cmd, maxLag);
        LogFile.announce(cmd.getOut());
        Properties client = kafka.connect(cmd);
        TopicSetup.ensureTopics(client, topics, partitions, replicas.replication, replicas.minInsyncReplicas);
        ResumePoint point = ResumePoint.read(client, topics, resume, RESUME_READ_TIMEOUT);
        TrainerConfig config = point.config();
        java.nio.file.Path dir = dataDir != null ? dataDir : training.datasetDir;
        if (dir != null) {
            config = config.toBuilder().dataDir(dir).build();
        }
        if ("cifar10".equals(config.task())) {
            Cifar10Task.checkFiles(config.dataDir());
        }
        cmd.getOut().printf(Locale.ROOT, "resuming run %s after step %d from its checkpoint (%d %s): steps %d..%d%n",
            resume, point.checkpoint().step(), point.checkpointParts(), point.checkpointParts() == 1 ? "record" : "records",
            point.firstStep(), point.started().getTotalSteps() - 1);
        Trainer trainer = TrainingSession.ready(TrainingSession.prepare(config));
        trainer.resumeFrom(point.checkpoint());
        TrainingSession.Result result = TrainingSession.run(client, topics, trainer, point.policy(), cmd.getOut(),
            !noProgress && System.console() != null, Duration.ofSeconds(Math.max(0, waitForAnalysis)), () -> null,
            maxLagDuration);
        return "completed".equals(result.summary().status()) ? 0 : 2;
    }
}
