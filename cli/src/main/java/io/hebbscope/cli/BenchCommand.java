package io.hebbscope.cli;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.bench.StepTimeBench;
import io.hebbscope.trainer.publish.EventPublisher;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Measures the cost of watching: step time of training alone, with the probe, and with probe plus publishing
 * to a real in-process broker; then how fast the analyzer works through the published log.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure step time (training alone / + probe / + publishing) and the analyzer's throughput.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    TrainingOptions training;

    @Option(names = "--steps", defaultValue = "600", description = "Measured steps per variant (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "150", description = "Warm-up steps per variant (default: ${DEFAULT-VALUE}).")
    int warmup;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (steps < 10 || warmup < 0) {
            throw new CommandLine.ParameterException(cmd, "--steps must be >= 10 and --warmup >= 0");
        }
        PrintWriter out = cmd.getOut();
        TrainerConfig base = training.config(cmd);
        var policy = training.policy(cmd);
        out.printf(Locale.ROOT, "SRE MLP %s %s, batch %d, OMP_NUM_THREADS=%s, %d cores%n", base.widthsString(),
            base.activation().id(), base.batchSize(), System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"),
            Runtime.getRuntime().availableProcessors());
        StepTimeBench.Stats alone = StepTimeBench.measure("(a) training alone", base, warmup, steps, false, List.of());
        out.println(alone);
        StepTimeBench.Stats probe = StepTimeBench.measure("(b) + probe", base, warmup, steps, true, List.of());
        out.println(probe);

        Path work = Files.createTempDirectory("hebbscope-bench");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            Topics topics = new Topics("bench");
            io.hebbscope.schema.TopicSetup.ensureTopics(client, topics, 4, (short) 1);
            TrainerConfig published = base.toBuilder().runId("bench-" + System.currentTimeMillis()).build();
            StepTimeBench.Stats publish;
            long records;
            long bytes;
            try (EventPublisher publisher = new EventPublisher(client, topics, policy)) {
                long start = System.nanoTime();
                publish = StepTimeBench.measure("(c) + probe + publishing", published, warmup, steps, true, List.of(publisher));
                double seconds = (System.nanoTime() - start) / 1e9;
                records = publisher.recordsSent();
                bytes = publisher.bytesSent();
                out.println(publish);
                out.printf(Locale.ROOT, "    published %d records, %.1f MB in %.1f s: %.0f records/s, %.1f MB/s%n",
                    records, bytes / 1e6, seconds, records / seconds, bytes / 1e6 / seconds);
            }
            out.printf(Locale.ROOT, "ratios: probe/alone %.2f, publishing/alone %.2f (medians)%n",
                probe.medianMs() / alone.medianMs(), publish.medianMs() / alone.medianMs());

            try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "bench-analyzer",
                work.resolve("streams"), AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, 4, (short) 1));
                 AlignmentWatcher watcher = new AlignmentWatcher(client, topics, published.runId())) {
                analyzer.awaitRunning(Duration.ofSeconds(60));
                long start = System.nanoTime();
                int layers = published.widths().size() - 1;
                // measure() trains whole epochs covering warm-up plus measured steps
                int perEpoch = published.stepsPerEpoch();
                long lastStep = (long) perEpoch * ((warmup + steps + perEpoch - 1) / perEpoch) - 1;
                boolean done = watcher.awaitStep(layers, lastStep, Duration.ofMinutes(10));
                double seconds = (System.nanoTime() - start) / 1e9;
                out.printf(Locale.ROOT, "(d) analyzer over the published log, from RUNNING%s: %.1f s, %.0f records/s, %.1f MB/s%n",
                    done ? "" : " (NOT finished within 10 min)", seconds, records / seconds, bytes / 1e6 / seconds);
            }
        } finally {
            DemoCommand.deleteRecursively(work);
        }
        return 0;
    }
}
