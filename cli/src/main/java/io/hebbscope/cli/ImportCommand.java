package io.hebbscope.cli;

import io.hebbscope.archive.RunImporter;
import io.hebbscope.schema.TopicSetup;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Avro container files (from export) back into a cluster. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Write exported runs back into Kafka topics (for example a new, empty cluster), ready for replay.")
final class ImportCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--in", required = true, paramLabel = "DIR", description = "A directory written by export.")
    Path in;

    @Mixin
    ReplicationOptions replicas;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of topics this command creates (default: ${DEFAULT-VALUE}).")
    int partitions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        replicas.validate(cmd);
        try {
            RunImporter.runDirs(in);
        } catch (NoSuchFileException e) {
            throw new CommandLine.ParameterException(cmd, e.getReason() + ": " + e.getFile());
        }
        var client = kafka.connect(cmd);
        var topics = kafka.topics(cmd);
        TopicSetup.ensureTopics(client, topics, partitions, replicas.replication, replicas.minInsyncReplicas);
        long start = System.nanoTime();
        long n;
        try (ProgressBar bar = Progress.bar("importing", -1, System.console() != null)) {
            n = new RunImporter(client, topics).importAll(in, bar::stepTo);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        cmd.getOut().printf(Locale.ROOT, "imported %d layer-step records from %s in %.1f s%n", n, in, seconds);
        return 0;
    }
}
