package io.hebbscope.cli.report;

import io.hebbscope.lab.report.Figure;
import io.hebbscope.lab.report.PhaseBoundaryFit;
import io.hebbscope.lab.report.Report;
import io.hebbscope.lab.report.ReportWriter;
import io.hebbscope.lab.report.SweepCsv;
import io.hebbscope.lab.report.SweepRow;
import io.hebbscope.lab.report.Table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hebbscope.cli.Hebbscope;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jfree.data.xy.IntervalXYDataset;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYZDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A report from a small hand-written sweep CSV: PNGs, the Table 1 style table, the fitted boundary. */
class SweepReportTest {
    /** sgd: σ in {0, 0.01, 0.1} x γ in {0, 5e-4, 5e-3}; adam: σ = 0 only, collapsed at 5e-3; plus a layer0 row. */
    // the first format (no weight_norm_ratio .. converged columns): reports still read it
    static final String CSV = SweepCsv.LEGACY_HEADER + "\n" + """
        s1,MLP,sgd,0,0,0.01,1,layer1,-0.11,-0.11,-0.2,0.30,,false
        s2,MLP,sgd,0,0,0.01,2,layer1,-0.09,-0.09,-0.2,0.32,,false
        s3,MLP,sgd,5e-4,0,0.01,1,layer1,0.16,0.16,0.1,0.25,,false
        s4,MLP,sgd,5e-4,0,0.01,2,layer1,0.18,0.18,0.1,0.26,,false
        s5,MLP,sgd,5e-3,0,0.01,1,layer1,0.58,0.58,0.5,0.40,,false
        s6,MLP,sgd,5e-3,0,0.01,2,layer1,0.60,0.60,0.5,0.41,,false
        s7,MLP,sgd,0,0.01,0.01,1,layer1,-0.3,-0.3,-0.3,0.50,,false
        s8,MLP,sgd,5e-4,0.01,0.01,1,layer1,-0.1,-0.1,-0.1,0.45,,false
        s9,MLP,sgd,5e-3,0.01,0.01,1,layer1,0.3,0.3,0.3,0.44,,false
        s10,MLP,sgd,0,0.1,0.01,1,layer1,-0.8,-0.8,-0.8,0.9,,false
        s11,MLP,sgd,5e-4,0.1,0.01,1,layer1,-0.6,-0.6,-0.6,0.8,,false
        s12,MLP,sgd,5e-3,0.1,0.01,1,layer1,0.2,0.2,0.2,0.7,,false
        a1,MLP,adam,0,0,0.01,1,layer1,-0.02,-0.02,0,0.3,,false
        a2,MLP,adam,0,0,0.01,2,layer1,-0.02,-0.02,0,0.3,,false
        a3,MLP,adam,5e-4,0,0.01,1,layer1,0.65,0.65,0,0.2,,false
        a4,MLP,adam,5e-4,0,0.01,2,layer1,0.67,0.67,0,0.2,,false
        a5,MLP,adam,5e-3,0,0.01,1,layer1,,,,,,true
        a6,MLP,adam,5e-3,0,0.01,2,layer1,,,,,,true
        s1,MLP,sgd,0,0,0.01,1,layer0,0.9,0.9,0.9,0.30,,false
        """;

    @TempDir
    Path dir;

    @Test
    void theReportDrawsTheSweepsNumbersAndTabulatesThem() throws Exception {
        Path csv = Files.writeString(dir.resolve("sweep.csv"), CSV);
        List<SweepRow> rows = SweepCsv.read(csv);
        Path out = dir.resolve("report");
        Report report = ReportWriter.write(List.of(), rows, "sweep.csv", out, new ReportWriter.Options("layer1", "update", 400));

        assertThat(report.figures()).extracting(Figure::file).containsExactly("sweep-alignment-vs-gamma.png",
            "sweep-phase-sgd.png", "sweep-validation-vs-alignment.png");
        for (Figure f : report.figures()) {
            Pngs.assertPng(out, f);
        }
        Pngs.assertPng(out.resolve("sweep-phase-sgd.png"), ReportWriter.PHASE_WIDTH, ReportWriter.PHASE_HEIGHT);

        // Alignment vs γ: the chart's means and bars are the CSV's numbers.
        IntervalXYDataset gamma = (IntervalXYDataset) report.figure("sweep-alignment-vs-gamma.png").chart().getXYPlot().getDataset();
        assertThat(gamma.getSeriesKey(0)).isEqualTo("sgd");
        double[][] sgd = {{5e-5, -0.10, 0.01}, {5e-4, 0.17, 0.01}, {5e-3, 0.59, 0.01}};
        for (int i = 0; i < sgd.length; i++) {
            assertThat(gamma.getXValue(0, i)).isEqualTo(sgd[i][0]);
            assertThat(gamma.getYValue(0, i)).isCloseTo(sgd[i][1], within(1e-12));
            assertThat(gamma.getEndYValue(0, i) - gamma.getYValue(0, i)).isCloseTo(sgd[i][2], within(1e-12));
        }
        assertThat(gamma.getSeriesKey(1)).isEqualTo("adam");
        assertThat(gamma.getItemCount(1)).isEqualTo(2); // collapsed at 5e-3: no point

        // Phase diagram: the cells are the CSV's values (one seed for σ > 0), the fit goes through the crossings.
        XYZDataset cells = (XYZDataset) report.figure("sweep-phase-sgd.png").chart().getXYPlot().getDataset(0);
        assertThat(cells.getItemCount(0)).isEqualTo(9);
        assertThat(cells.getXValue(0, 8)).isEqualTo(0.1);
        assertThat(cells.getYValue(0, 8)).isEqualTo(5e-3);
        assertThat(cells.getZValue(0, 8)).isEqualTo(0.2);
        PhaseBoundaryFit.Result fit = report.fits().get("sgd");
        assertThat(fit.points()).isEqualTo(2);
        assertThat(fit.crossings().get(0).gamma()).isCloseTo(5e-4 * Math.pow(10, 0.25), within(1e-15));
        assertThat(fit.crossings().get(1).gamma()).isCloseTo(5e-4 * Math.pow(10, 0.75), within(1e-15));
        assertThat(fit.p()).isCloseTo(0.5, within(1e-12));
        assertThat(fit.c()).isCloseTo(5e-3 * Math.pow(10, 0.25), within(1e-12));
        XYDataset boundary = report.figure("sweep-phase-sgd.png").chart().getXYPlot().getDataset(1);
        assertThat(boundary.getYValue(0, 0)).isCloseTo(fit.crossings().get(0).gamma(), within(1e-12));

        // Validation vs alignment: one point per layer1 run with both numbers.
        XYDataset validation = report.figure("sweep-validation-vs-alignment.png").chart().getXYPlot().getDataset();
        assertThat(validation.getItemCount(0)).isEqualTo(12);
        assertThat(validation.getXValue(0, 11)).isEqualTo(0.2);
        assertThat(validation.getYValue(0, 11)).isEqualTo(0.7);
        assertThat(validation.getItemCount(1)).isEqualTo(4);

        String md = Files.readString(report.markdownIndex());
        assertThat(md)
            .contains("| model | rule | γ=0 | γ=5e-4 | γ=5e-3 |")
            .contains("| MLP | sgd | -0.10±0.01 | 0.17±0.01 | 0.59±0.01 |")
            .contains("| MLP | adam | -0.02±0.00 | 0.66±0.01 | – |")
            .contains("sgd: γ* = c σ^p with c = 0.008891, p = 0.500")
            .contains("2 points")
            .contains("adam: no phase diagram")
            .contains("](sweep-alignment-vs-gamma.png)").contains("](sweep-phase-sgd.png)")
            .contains("](sweep-validation-vs-alignment.png)");
        assertThat(Files.readString(report.htmlIndex())).contains("<td>-0.10±0.01</td>").contains("<img src=\"sweep-phase-sgd.png\"");
    }

    @Test
    void notEnoughCrossingsIsSaidAndNoCurveIsDrawn() throws Exception {
        String oneCrossing = CSV.lines().filter(l -> !l.startsWith("s12,")).reduce("", (a, b) -> a + b + "\n");
        Path csv = Files.writeString(dir.resolve("one.csv"), oneCrossing);
        Path out = dir.resolve("one");
        Report report = ReportWriter.write(List.of(), SweepCsv.read(csv), "one.csv", out,
            new ReportWriter.Options("layer1", "update", 400));
        assertThat(report.fits().get("sgd").fitted()).isFalse();
        assertThat(report.figure("sweep-phase-sgd.png").chart().getXYPlot().getDatasetCount()).isEqualTo(1);
        assertThat(Files.readString(out.resolve("index.md"))).contains("sgd: not enough crossings to fit");
    }

    @Test
    void theCommandWritesTheReportAndNamesBadInput() throws Exception {
        Path csv = Files.writeString(dir.resolve("sweep.csv"), CSV);
        Path out = dir.resolve("cli");
        assertThat(run("report", "--sweep-results", csv.toString(), "--out", out.toString())).isZero();
        assertThat(out.resolve("index.md")).content().contains("| MLP | sgd | -0.10±0.01 | 0.17±0.01 | 0.59±0.01 |");
        assertThat(out.resolve("index.html")).isRegularFile();
        Pngs.assertPng(out.resolve("sweep-alignment-vs-gamma.png"), ReportWriter.LINE_WIDTH, ReportWriter.LINE_HEIGHT);
        assertThat(this.out.toString()).contains(out.resolve("sweep-phase-sgd.png").toString());

        // The other layer: one row, no phase diagram.
        assertThat(run("report", "--sweep-results", csv.toString(), "--out", dir.resolve("l0").toString(), "--layer", "layer0"))
            .isZero();
        assertThat(dir.resolve("l0").resolve("index.md")).content().contains("| MLP | sgd | 0.90±0.00 |");

        Path missing = dir.resolve("missing.csv");
        assertThat(run("report", "--sweep-results", missing.toString(), "--out", out.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("sweep results file not found: " + missing.toAbsolutePath());
        Path bad = Files.writeString(dir.resolve("bad.csv"), CSV.replace("s8,MLP,sgd,5e-4,0.01,", "s8,MLP,sgd,5e-4,lots,"));
        assertThat(run("report", "--sweep-results", bad.toString(), "--out", out.toString())).isEqualTo(1);
        assertThat(err.toString()).contains(bad.toAbsolutePath() + " line 9: noise 'lots' is not a number");
        assertThat(run("report", "--sweep-results", csv.toString(), "--out", out.toString(), "--layer", "layer7")).isEqualTo(2);
        assertThat(err.toString()).contains("--layer layer7: the sweep results have layers [layer1, layer0]");
        assertThat(run("report", "--out", out.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("nothing to draw");
        assertThat(run("report", "--sweep-results", csv.toString(), "--run", "x", "--out", out.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--run needs --bootstrap-servers");
        assertThat(run("report", "--sweep-results", csv.toString(), "--neuron-signal", "weights", "--out", out.toString()))
            .isEqualTo(2);
        assertThat(err.toString()).contains("--neuron-signal must be one of [gradient, signal, update]");
    }

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
