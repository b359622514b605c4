package io.hebbscope.cli;

import io.hebbscope.lab.report.Figure;
import io.hebbscope.lab.report.Report;
import io.hebbscope.lab.report.ReportWriter;
import io.hebbscope.lab.report.RunDatasets;
import io.hebbscope.lab.report.RunLog;
import io.hebbscope.lab.report.RunLogReader;
import io.hebbscope.lab.report.SweepCsv;
import io.hebbscope.lab.report.SweepDatasets;
import io.hebbscope.lab.report.SweepRow;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** PNG plots and an index page from the analyzer's topics and/or a sweep's results CSV. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Draw PNG plots and an index page (index.md, index.html) from the analyzer's output topics "
        + "(--bootstrap-servers, --run) and/or a sweep results CSV (--sweep-results): layer alignment over steps per "
        + "signal, per-neuron alignment heatmaps over steps (Figure 7), validation loss against alignment (Figure 6), "
        + "alignment against weight decay per rule with a Table 1 style table (Figure 3), the noise x weight decay "
        + "phase diagram with the fitted boundary γ* = c σ^p (Figure 5).",
        "Sweep CSV header: " + SweepCsv.HEADER})
final class ReportCommand implements Callable<Integer> {
    @ArgGroup(exclusive = false, heading = "Reading runs from Kafka:%n")
    KafkaOptions kafka;

    @Option(names = "--run", paramLabel = "RUN_ID",
        description = "A run to draw from the topics (repeatable); default: every run in the topics.")
    List<String> runs = List.of();

    @Option(names = "--sweep-results", paramLabel = "FILE", description = "A sweep results CSV (header: see above).")
    Path sweepResults;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the PNGs and index into.")
    Path out;

    @Option(names = "--layer", defaultValue = "layer1", paramLabel = "LAYER",
        description = "Layer of the sweep figures and of the validation-vs-alignment figure (default: ${DEFAULT-VALUE}, "
            + "the second linear layer, as in the paper's Table 1).")
    String layer;

    @Option(names = "--neuron-signal", defaultValue = "update", paramLabel = "SIGNAL",
        description = "Neuron alignment shown in the heatmaps: gradient, signal or update (default: ${DEFAULT-VALUE}, "
            + "the full update, as in the paper's Figure 7).")
    String neuronSignal;

    @Option(names = "--heatmap-max-steps", defaultValue = "400", paramLabel = "N",
        description = "At most N steps per heatmap; longer runs show every k-th step (default: ${DEFAULT-VALUE}).")
    int heatmapMaxSteps;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        CommandLine cmd = spec.commandLine();
        if (kafka == null && sweepResults == null) {
            throw new CommandLine.ParameterException(cmd,
                "nothing to draw: give --bootstrap-servers (runs from the topics) and/or --sweep-results FILE");
        }
        if (kafka == null && !runs.isEmpty()) {
            throw new CommandLine.ParameterException(cmd, "--run needs --bootstrap-servers");
        }
        if (!RunDatasets.SIGNALS.contains(neuronSignal)) {
            throw new CommandLine.ParameterException(cmd, "--neuron-signal must be one of " + RunDatasets.SIGNALS
                + " but is '" + neuronSignal + "'");
        }
        if (heatmapMaxSteps < 1) {
            throw new CommandLine.ParameterException(cmd, "--heatmap-max-steps must be >= 1");
        }
        List<SweepRow> sweep = null;
        if (sweepResults != null) {
            try {
                sweep = SweepCsv.read(sweepResults);
            } catch (NoSuchFileException e) {
                throw new CommandLine.ParameterException(cmd, "sweep results file not found: " + sweepResults.toAbsolutePath());
            }
            if (!SweepDatasets.layers(sweep).contains(layer)) {
                throw new CommandLine.ParameterException(cmd, "--layer " + layer + ": the sweep results have layers "
                    + SweepDatasets.layers(sweep));
            }
        }
        List<RunLog> logs = List.of();
        if (kafka != null) {
            RunLogReader reader = new RunLogReader(kafka.connect(cmd), kafka.topics(cmd));
            logs = reader.read(new LinkedHashSet<>(runs));
            List<String> found = logs.stream().map(RunLog::runId).toList();
            List<String> missing = runs.stream().filter(r -> !found.contains(r)).toList();
            if (!missing.isEmpty()) {
                cmd.getErr().println("error: no layer alignment of run(s) " + missing + " in the topics "
                    + "(is the analyzer running? runs found: " + found + ")");
                return 1;
            }
            if (logs.isEmpty()) {
                cmd.getErr().println("error: no layer alignment in the topics (is the analyzer running?)");
                return 1;
            }
            if (reader.skipped() > 0) {
                cmd.getErr().println("warning: skipped " + reader.skipped() + " undecodable records");
            }
        }
        Report report = ReportWriter.write(logs, sweep, sweepResults == null ? null : sweepResults.toString(), out,
            new ReportWriter.Options(layer, neuronSignal, heatmapMaxSteps));
        for (Figure f : report.figures()) {
            cmd.getOut().println(out.resolve(f.file()));
        }
        cmd.getOut().println(report.markdownIndex());
        cmd.getOut().println(report.htmlIndex());
        return 0;
    }
}
