package io.hebbscope.cli;

import io.hebbscope.bench.BenchHarness;
import io.hebbscope.bench.ScaleBench;
import io.hebbscope.trainer.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The side-by-side performance harness: step time (training alone / + probe / + publishing), publishing and
 * analyzer throughput beside Kafka's own perf tools, live lag with one and several trainers, and recovery after
 * kill -9 of the analyzer, all on one in-process broker; a table printed and written to {@code --out}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure what watching costs and how fast the pipeline is, each figure beside its yardstick "
        + "(training alone, Kafka's ProducerPerformance / ConsumerPerformance, a Kafka Streams application that only "
        + "reads, the analysis alone without a broker, the trainer's publish rate), on one in-process broker. Prints a "
        + "Markdown table and writes it with the raw figures to --out (bench.md, bench.json).",
        "Takes about 5-6 minutes with the defaults on 2 cores."})
final class BenchCommand implements Callable<Integer> {
    @Mixin
    TrainingOptions training;

    @Option(names = "--steps", defaultValue = "600",
        description = "Measured steps per step-time variant and of the publisher-only run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "300",
        description = "Warm-up steps before those, three times as many for the variant with publishing, which warms up "
            + "the broker and the producer too (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--lag-steps", defaultValue = "300",
        description = "Steps each trainer trains in the live-lag runs, rounded up to whole epochs (default: ${DEFAULT-VALUE}).")
    int lagSteps;

    @Option(names = "--long-log-steps", defaultValue = "3160", paramLabel = "N",
        description = "Steps of the long stored log, rounded up to whole epochs, over which the analyzer's main path is "
            + "measured again past its JIT warm-up (default: ${DEFAULT-VALUE}, a 40-epoch demo run: about 1 GB of log with the "
            + "default widths, more for wider models).")
    int longLogSteps;

    @Option(names = "--trainers", defaultValue = "4",
        description = "Trainers at once (threads, one run each) for the concurrent live lag (default: ${DEFAULT-VALUE}).")
    int trainers;

    @Option(names = "--trainer-processes", defaultValue = "8",
        description = "Trainer processes at once (`hebbscope train`, --lag-steps each) analyzed by one analyzer process,"
            + " then by two sharing the work (default: ${DEFAULT-VALUE}).")
    int trainerProcesses;

    @Option(names = "--recovery-pace", defaultValue = "20", paramLabel = "STEPS_PER_SECOND",
        description = "The trainer's pace while the analyzer is killed and restarted, so that it is live when killed "
            + "(default: ${DEFAULT-VALUE}).")
    double recoveryPace;

    @Option(names = "--scale",
        description = "Only the large-model figures, with the run's --stats and --publish-every policy: step time with "
            + "statistics (and tensors at their cadence), the update sketch's and the row statistics' cost on the largest "
            + "layer, live lag of one trainer; writes scale.md and scale.json. E.g. --scale --widths 1024-2048-2048-2048-1024 "
            + "--stats --publish-every 50 --steps 30 --warmup 10 --lag-steps 100.")
    boolean scale;

    @Option(names = "--out", defaultValue = "bench-results", paramLabel = "DIR",
        description = "Directory for bench.md and bench.json (default: ${DEFAULT-VALUE}).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (steps < 10) {
            throw new CommandLine.ParameterException(cmd, "--steps must be >= 10, got " + steps);
        }
        if (longLogSteps < 1) {
            throw new CommandLine.ParameterException(cmd, "--long-log-steps must be >= 1, got " + longLogSteps);
        }
        if (warmup < 0) {
            throw new CommandLine.ParameterException(cmd, "--warmup must be >= 0, got " + warmup);
        }
        if (lagSteps < 1) {
            throw new CommandLine.ParameterException(cmd, "--lag-steps must be >= 1, got " + lagSteps);
        }
        if (trainers < 2) {
            throw new CommandLine.ParameterException(cmd, "--trainers must be >= 2 (the single-trainer lag is always "
                + "measured), got " + trainers);
        }
        if (trainerProcesses < 1) {
            throw new CommandLine.ParameterException(cmd, "--trainer-processes must be >= 1, got " + trainerProcesses);
        }
        if (!(recoveryPace > 0) || Double.isInfinite(recoveryPace)) {
            throw new CommandLine.ParameterException(cmd, "--recovery-pace must be a positive number of steps per second");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new CommandLine.ParameterException(cmd, "--out must be a directory, " + out + " is a file");
        }
        TrainerConfig config = training.config(cmd);
        var policy = training.policy(cmd);
        if (scale) {
            if (policy.statsEvery() < 1) {
                throw new CommandLine.ParameterException(cmd, "--scale measures statistics: give --stats (and --publish-every N)");
            }
            new ScaleBench(new ScaleBench.Settings(config, policy, warmup, steps, lagSteps, out), cmd.getOut()).run();
            return 0;
        }
        new BenchHarness(new BenchHarness.Settings(Hebbscope.class.getName(), config, policy, warmup, steps, lagSteps,
            longLogSteps, trainers, trainerProcesses, recoveryPace, out),
            cmd.getOut()).run();
        return 0;
    }
}
