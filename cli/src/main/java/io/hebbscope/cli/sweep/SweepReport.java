package io.hebbscope.cli.sweep;

import io.hebbscope.trainer.TrainerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a sweep's results: results.csv, runs.md and summary.md (settings and the Table 1 layout). */
public final class SweepReport {
    private SweepReport() {}

    public static void write(SweepTable table, Path out, String layer, TrainerConfig base, SweepGrid grid, PrintWriter w)
        throws IOException {
        table.writeCsv(out.resolve("results.csv"));
        Files.writeString(out.resolve("runs.md"), "# Sweep runs\n\n" + table.runsMarkdown());
        StringBuilder summary = new StringBuilder("# Sweep summary\n\n");
        summary.append("Settings: ").append(base.toMap()).append(" (runId, rule, weightDecay, noiseSigma, learningRate and seed vary)\n\n");
        summary.append("Grid: ").append(grid).append("\n");
        summary.append(table.table1Markdown(layer));
        Files.writeString(out.resolve("summary.md"), summary.toString());
        w.println(table.table1Markdown(layer));
        w.println("results: " + out.resolve("results.csv") + ", " + out.resolve("runs.md") + ", " + out.resolve("summary.md"));
    }
}
