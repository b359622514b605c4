package io.hebbscope.lab.sweep;

import io.hebbscope.lab.report.GammaSummary;
import io.hebbscope.lab.report.PhaseBoundaryFit;
import io.hebbscope.lab.report.PhaseGrid;
import io.hebbscope.lab.report.ReportIndex;
import io.hebbscope.lab.report.SweepCsv;
import io.hebbscope.lab.report.SweepDatasets;
import io.hebbscope.trainer.TrainerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a sweep's results: results.csv (the format `report --sweep-results` reads), runs.md, and summary.md with
 * the settings, the Table 1 layout per layer and, for σ x γ grids, the fitted phase boundary γ* = c σ^p: the same
 * datasets the report draws.
 */
public final class SweepReport {
    private SweepReport() {}

    public static void write(SweepTable table, Path out, String layer, TrainerConfig base, SweepGrid grid, PrintWriter w)
        throws IOException {
        SweepCsv.write(table.rows(), out.resolve("results.csv"));
        Files.writeString(out.resolve("runs.md"), "# Sweep runs\n\n" + table.runsMarkdown());
        ReportIndex summary = new ReportIndex("Sweep summary")
            .text("Settings: " + base.toMap() + " (runId, rule, weightDecay, noiseSigma, learningRate and seed vary).")
            .text("Grid: " + grid + ".");
        for (String l : SweepDatasets.layers(table.rows())) {
            GammaSummary gammas = SweepDatasets.alignmentVsGamma(table.rows(), l);
            summary.heading(2, l + ": cos(g, H) at convergence, mean ± std over seeds (σ = "
                + GammaSummary.formatNumber(gammas.noise()) + "; – where every seed collapsed)").table(gammas.table());
            for (PhaseGrid phase : SweepDatasets.phaseGrids(table.rows(), l)) {
                if (phase.sigmas().size() > 1) {
                    summary.text(l + ", " + phase.label() + ", phase boundary: " + PhaseBoundaryFit.fit(phase.means()).describe() + ".");
                }
            }
        }
        String markdown = summary.markdown();
        Files.writeString(out.resolve("summary.md"), markdown);
        w.println(markdown);
        w.println("results: " + out.resolve("results.csv") + ", " + out.resolve("runs.md") + ", " + out.resolve("summary.md")
            + " (figures: hebbscope report --sweep-results " + out.resolve("results.csv") + " --layer " + layer + " --out DIR)");
    }
}
