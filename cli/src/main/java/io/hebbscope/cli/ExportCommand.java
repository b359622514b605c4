package io.hebbscope.cli;

import io.hebbscope.archive.RunExporter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs from the topics to Avro container files. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write runs' events (runs, train-metrics, layer-steps, layer-stats) from Kafka to Avro container files, one directory per run.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "A run to export (repeatable); default: every run.")
    List<String> runs = List.of();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write <run>/*.avro into.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        var exporter = new RunExporter(kafka.connect(cmd), kafka.topics(cmd));
        long total = exporter.totalRecords();
        long start = System.nanoTime();
        RunExporter.Summary summary;
        try (ProgressBar bar = Progress.bar("exporting", total, System.console() != null)) {
            summary = exporter.export(new LinkedHashSet<>(runs), out, bar::stepTo);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!runs.isEmpty() && !summary.recordsPerRun().keySet().containsAll(runs)) {
            List<String> missing = runs.stream().filter(r -> !summary.recordsPerRun().containsKey(r)).toList();
            cmd.getErr().println("error: no events of run(s) " + missing + " in the topics");
            return 1;
        }
        summary.recordsPerRun().forEach((run, n) -> cmd.getOut().printf("%s: %d events -> %s%n", run, n, out.resolve(run)));
        cmd.getOut().printf(Locale.ROOT, "exported %.1f MB in %.1f s (%.1f MB/s)%s%n", summary.bytes() / 1e6, seconds,
            summary.bytes() / 1e6 / seconds, summary.skipped() > 0 ? ", skipped " + summary.skipped() + " undecodable records" : "");
        return 0;
    }
}
