package io.hebbscope.lab.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;

/** Builds every figure from the runs' logs and/or a sweep's rows, writes the PNGs, index.md and index.html. */
public final class ReportWriter {
    public static final int LINE_WIDTH = 1000;
    public static final int LINE_HEIGHT = 560;
    public static final int HEATMAP_WIDTH = 1100;
    public static final int HEATMAP_HEIGHT = 620;
    public static final int PHASE_WIDTH = 900;
    public static final int PHASE_HEIGHT = 720;
    public static final int SCATTER_WIDTH = 900;
    public static final int SCATTER_HEIGHT = 600;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /**
     * @param layer           the layer of the sweep figures and of the runs' validation-vs-alignment figure
     * @param neuronSignal    which neuron alignment the heatmaps show: gradient, signal or update
     * @param heatmapMaxSteps at most this many steps per heatmap (every k-th step beyond)
     */
    public record Options(String layer, String neuronSignal, int heatmapMaxSteps) {}

    private final Options options;
    private final List<Figure> figures = new ArrayList<>();
    private final Map<String, PhaseBoundaryFit.Result> fits = new LinkedHashMap<>();
    private final ReportIndex index = new ReportIndex("hebbscope report");
    private GammaSummary gammaSummary;

    private ReportWriter(Options options) {
        this.options = options;
    }

    /**
     * @param runs        runs read from the topics (may be empty)
     * @param sweep       a sweep's rows, or null without a sweep
     * @param sweepSource the sweep file's name, for the index
     */
    public static Report write(List<RunLog> runs, List<SweepRow> sweep, String sweepSource, Path outDir, Options options)
        throws IOException {
        Files.createDirectories(outDir);
        ReportWriter w = new ReportWriter(options);
        if (!runs.isEmpty()) {
            w.runs(runs);
        }
        if (sweep != null) {
            w.sweep(sweep, sweepSource);
        }
        for (Figure f : w.figures) {
            ChartUtils.saveChartAsPNG(outDir.resolve(f.file()).toFile(), f.chart(), f.width(), f.height());
        }
        Path md = outDir.resolve("index.md");
        Path html = outDir.resolve("index.html");
        Files.writeString(md, w.index.markdown(), StandardCharsets.UTF_8);
        Files.writeString(html, w.index.html(), StandardCharsets.UTF_8);
        return new Report(md, html, w.figures, w.gammaSummary, w.fits);
    }

    private void runs(List<RunLog> runs) {
        index.heading(1, "Runs");
        index.text("Alignment of the gradient (-∇W), the learning signal g and the full update U with the Hebbian term, "
            + "as the analyzer measured it at every analyzed step; undefined values (a zero norm) are left out.");
        for (RunLog run : runs) {
            index.heading(2, "Run " + run.runId());
            for (String layer : RunDatasets.layers(run)) {
                List<Series> series = RunDatasets.layerAlignment(run, layer);
                add(new Figure(safe("run-" + run.runId() + "-" + layer + "-alignment") + ".png",
                    "layer alignment, " + run.runId() + ", " + layer,
                    ReportCharts.layerAlignment(run.runId(), layer, series), LINE_WIDTH, LINE_HEIGHT, series));
            }
            index.text("Per-neuron alignment of the " + options.neuronSignal() + " over steps (the paper's Figure 7): "
                + "red Hebbian, blue anti-Hebbian, white 0 (or undefined); at most " + options.heatmapMaxSteps()
                + " steps are drawn (every k-th step beyond).");
            for (String layer : RunDatasets.layers(run)) {
                Heatmap h = RunDatasets.neuronHeatmap(run, layer, options.neuronSignal(), options.heatmapMaxSteps());
                add(new Figure(safe("run-" + run.runId() + "-" + layer + "-neurons-" + options.neuronSignal()) + ".png",
                    "neuron alignment, " + run.runId() + ", " + layer, ReportCharts.neuronHeatmap(h),
                    HEATMAP_WIDTH, HEATMAP_HEIGHT, h));
            }
        }
        List<Series> validation = runs.stream()
            .map(r -> RunDatasets.validationVsAlignment(r, options.layer(), "signal")).toList();
        index.heading(2, "Validation loss against alignment");
        index.text("One point per epoch and run: the mean signal alignment of " + options.layer()
            + " over the epoch's steps against the validation loss at the epoch's end (the paper's Figure 6).");
        add(new Figure("runs-validation-vs-alignment.png", "validation loss vs alignment (runs)",
            ReportCharts.validationVsAlignment("Validation loss vs alignment, " + options.layer() + ", per epoch",
                "mean signal alignment over the epoch", validation), SCATTER_WIDTH, SCATTER_HEIGHT, validation));
    }

    private void sweep(List<SweepRow> rows, String source) {
        String layer = options.layer();
        index.heading(1, "Sweep");
        index.text("From `" + source + "`, layer " + layer + ": the learning-signal alignment at the end of training "
            + "(mean over the last epoch's steps); collapsed runs and undefined alignments are left out of every mean.");

        gammaSummary = SweepDatasets.alignmentVsGamma(rows, layer);
        index.heading(2, "Alignment against weight decay (Table 1 / Figure 3)");
        index.text(String.format(Locale.ROOT, "Noise σ = %s (the sweep's smallest). Mean ± std over seeds (std with "
            + "divisor n); \"–\": no seed with a defined alignment (all collapsed). On the plot's log axis γ = 0 is drawn "
            + "at %s.", GammaSummary.formatNumber(gammaSummary.noise()), GammaSummary.formatNumber(gammaSummary.zeroAt())));
        index.table(gammaSummary.table());
        add(new Figure("sweep-alignment-vs-gamma.png", "alignment vs weight decay",
            ReportCharts.alignmentVsGamma(gammaSummary), LINE_WIDTH, LINE_HEIGHT, gammaSummary));

        index.heading(2, "Phase diagram σ x γ (Figure 5)");
        index.text("Each square: the mean signal alignment over seeds of one (σ, γ) cell, red Hebbian, blue "
            + "anti-Hebbian. Boundary: for each σ > 0 the γ where the mean alignment first changes sign (linear "
            + "interpolation in log γ between grid points), then least squares of log γ* on log σ.");
        for (PhaseGrid grid : SweepDatasets.phaseGrids(rows, layer)) {
            if (grid.sigmas().size() < 2 || grid.gammas().size() < 2) {
                index.text(grid.label() + ": no phase diagram, it needs at least two noise levels and two weight decays "
                    + "(the sweep has σ " + numbers(grid.sigmas()) + ", γ " + numbers(grid.gammas()) + ").");
                continue;
            }
            PhaseBoundaryFit.Result fit = PhaseBoundaryFit.fit(grid.means());
            fits.put(grid.label(), fit);
            index.text(grid.label() + ": " + fit.describe() + ".");
            add(new Figure(safe("sweep-phase-" + grid.label()) + ".png", "phase diagram, " + grid.label(),
                ReportCharts.phaseDiagram(grid, fit), PHASE_WIDTH, PHASE_HEIGHT, grid));
        }

        List<Series> validation = SweepDatasets.validationVsAlignment(rows, layer);
        index.heading(2, "Validation loss against alignment (Figure 6)");
        index.text("One point per run: its final signal alignment of " + layer + " against its validation loss.");
        add(new Figure("sweep-validation-vs-alignment.png", "validation loss vs alignment (sweep)",
            ReportCharts.validationVsAlignment("Validation loss vs alignment, " + layer + ", per run",
                "signal alignment (mean over the last epoch)", validation), SCATTER_WIDTH, SCATTER_HEIGHT, validation));
    }

    private void add(Figure f) {
        if (figures.stream().anyMatch(g -> g.file().equals(f.file()))) {
            throw new IllegalStateException("two figures would be written to " + f.file());
        }
        figures.add(f);
        index.figure(f);
    }

    private static String numbers(List<Double> values) {
        return values.stream().map(GammaSummary::formatNumber).toList().toString();
    }

    /** A file name from a run id or label: letters, digits, '.', '_' and '-' kept, anything else '_'. */
    static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
