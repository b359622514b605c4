package io.hebbscope.lab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Rectangle2D;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/** JFreeChart builders: each takes a dataset record and hands exactly its values to the chart. */
public final class ReportCharts {
    private static final String ALIGNMENT = "alignment cos(X, H)";

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ReportCharts() {}

    /** Layer alignment over steps, one line per signal. */
    public static JFreeChart layerAlignment(String runId, String layer, List<Series> series) {
        JFreeChart chart = ChartFactory.createXYLineChart("Layer alignment, run " + runId + ", " + layer, "step",
            ALIGNMENT, collection(series), PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart);
        plot.getRangeAxis().setRange(-1.05, 1.05);
        plot.addRangeMarker(zeroLine());
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        // For SGD the signal is -∇W: the gradient's line is drawn wide and dashed so the signal's stays visible on it.
        plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD);
        XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
        renderer.setDrawSeriesLineAsPath(true);
        Color[] colors = {new Color(230, 120, 20), new Color(30, 90, 200), new Color(40, 160, 60)};
        for (int s = 0; s < series.size(); s++) {
            renderer.setSeriesPaint(s, colors[s % colors.length]);
            renderer.setSeriesStroke(s, s == 0 && series.get(0).name().equals("gradient")
                ? new BasicStroke(4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {8f, 6f}, 0f)
                : new BasicStroke(1.8f));
        }
        return chart;
    }

    /** Per-neuron alignment over steps as colored blocks (the paper's Figure 7). */
    public static JFreeChart neuronHeatmap(Heatmap h) {
        DefaultXYZDataset dataset = heatmapDataset(h);
        NumberAxis x = new NumberAxis("step");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis y = new NumberAxis("neuron");
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        if (!h.steps().isEmpty()) {
            x.setRange(h.steps().get(0) - h.stepWidth() / 2, h.steps().get(h.steps().size() - 1) + h.stepWidth() / 2);
        }
        y.setRange(-0.5, Math.max(1, h.neurons()) - 0.5);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setBlockWidth(h.stepWidth());
        renderer.setBlockHeight(1);
        renderer.setBlockAnchor(RectangleAnchor.CENTER);
        renderer.setPaintScale(new AlignmentPaintScale());
        XYPlot plot = new XYPlot(dataset, x, y, renderer);
        JFreeChart chart = new JFreeChart("Neuron alignment (" + h.signal() + "), run " + h.runId() + ", " + h.layer(),
            JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        style(chart);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        chart.addSubtitle(legend(h.signal() + " alignment"));
        return chart;
    }

    /** The heatmap as the chart gets it: series 0, one (step, neuron, value) item per cell, step-major. */
    static DefaultXYZDataset heatmapDataset(Heatmap h) {
        int n = h.neurons() * h.steps().size();
        double[] xs = new double[n];
        double[] ys = new double[n];
        double[] zs = new double[n];
        int k = 0;
        for (int s = 0; s < h.steps().size(); s++) {
            for (int i = 0; i < h.neurons(); i++) {
                xs[k] = h.steps().get(s);
                ys[k] = i;
                zs[k] = h.values()[i][s];
                k++;
            }
        }
        DefaultXYZDataset dataset = new DefaultXYZDataset();
        dataset.addSeries(h.signal(), new double[][] {xs, ys, zs});
        return dataset;
    }

    /** Alignment against γ per rule with ±std error bars, log γ axis (Table 1 / Figure 3). */
    public static JFreeChart alignmentVsGamma(GammaSummary summary) {
        YIntervalSeriesCollection dataset = new YIntervalSeriesCollection();
        for (ErrorSeries s : summary.series()) {
            YIntervalSeries ys = new YIntervalSeries(s.name(), false, true);
            s.points().forEach(p -> ys.add(p.x(), p.mean(), p.mean() - p.std(), p.mean() + p.std()));
            dataset.addSeries(ys);
        }
        LogAxis x = logAxis("weight decay γ (log scale; γ = 0 drawn at " + GammaSummary.formatNumber(summary.zeroAt()) + ")",
            summary.gammas().stream().map(g -> g == 0 ? summary.zeroAt() : g).toList());
        NumberAxis y = new NumberAxis("signal " + ALIGNMENT + ", mean ± std over seeds");
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setDefaultLinesVisible(true);
        renderer.setDefaultShapesVisible(true);
        renderer.setCapLength(6);
        XYPlot plot = new XYPlot(dataset, x, y, renderer);
        JFreeChart chart = new JFreeChart("Alignment vs weight decay, " + summary.layer() + ", σ = "
            + GammaSummary.formatNumber(summary.noise()), JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        style(chart);
        plot.addRangeMarker(zeroLine());
        return chart;
    }

    /**
     * The σ x γ phase diagram: one colored square per cell (mean alignment), log axes with zeros drawn a decade
     * below the smallest positive value, and the fitted boundary γ* = c σ^p when there is a fit (Figure 5).
     */
    public static JFreeChart phaseDiagram(PhaseGrid grid, PhaseBoundaryFit.Result fit) {
        List<Double> sigmas = grid.sigmas();
        List<Double> gammas = grid.gammas();
        double sigmaZero = PhaseGrid.zeroPosition(sigmas);
        double gammaZero = PhaseGrid.zeroPosition(gammas);
        DefaultXYZDataset cells = phaseDataset(grid);
        LogAxis x = logAxis("noise σ (log scale; σ = 0 drawn at " + GammaSummary.formatNumber(sigmaZero) + ")",
            sigmas.stream().map(v -> v == 0 ? sigmaZero : v).toList());
        LogAxis y = logAxis("weight decay γ (log scale; γ = 0 drawn at " + GammaSummary.formatNumber(gammaZero) + ")",
            gammas.stream().map(v -> v == 0 ? gammaZero : v).toList());
        XYShapeRenderer squares = new XYShapeRenderer();
        double size = Math.max(10, Math.min(60, 600.0 / Math.max(1, Math.max(sigmas.size(), gammas.size()))));
        squares.setDefaultShape(new Rectangle2D.Double(-size / 2, -size / 2, size, size));
        squares.setDrawOutlines(false);
        squares.setPaintScale(new AlignmentPaintScale());
        squares.setSeriesVisibleInLegend(0, false);
        XYPlot plot = new XYPlot(cells, x, y, squares);
        if (fit.fitted()) {
            plot.setDataset(1, boundaryDataset(fit, grid));
            XYLineAndShapeRenderer line = new XYLineAndShapeRenderer(true, false);
            line.setSeriesPaint(0, Color.BLACK);
            line.setSeriesStroke(0, new BasicStroke(2.5f));
            line.setSeriesLinesVisible(1, false);
            line.setSeriesShapesVisible(1, true);
            line.setSeriesPaint(1, Color.BLACK);
            plot.setRenderer(1, line);
        }
        JFreeChart chart = new JFreeChart("Phase diagram, " + grid.label() + ", " + grid.layer() + ": " + fit.describe(),
            new Font("SansSerif", Font.BOLD, 14), plot, fit.fitted());
        style(chart);
        chart.addSubtitle(legend("mean signal alignment"));
        return chart;
    }

    /** The cells as the chart gets them: (drawn σ, drawn γ, mean) for the cells with a defined mean. */
    static DefaultXYZDataset phaseDataset(PhaseGrid grid) {
        double sigmaZero = PhaseGrid.zeroPosition(grid.sigmas());
        double gammaZero = PhaseGrid.zeroPosition(grid.gammas());
        List<PhaseGrid.Cell> defined = grid.cells().stream().filter(c -> c.stat().defined()).toList();
        double[][] data = new double[3][defined.size()];
        for (int i = 0; i < defined.size(); i++) {
            PhaseGrid.Cell c = defined.get(i);
            data[0][i] = c.sigma() == 0 ? sigmaZero : c.sigma();
            data[1][i] = c.gamma() == 0 ? gammaZero : c.gamma();
            data[2][i] = c.stat().mean();
        }
        DefaultXYZDataset dataset = new DefaultXYZDataset();
        dataset.addSeries("mean alignment", data);
        return dataset;
    }

    private static XYSeriesCollection boundaryDataset(PhaseBoundaryFit.Result fit, PhaseGrid grid) {
        double lo = grid.sigmas().stream().filter(s -> s > 0).mapToDouble(Double::doubleValue).min().orElse(1);
        double hi = grid.sigmas().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        XYSeries curve = new XYSeries(String.format(Locale.ROOT, "γ* = %.3g σ^%.2f", fit.c(), fit.p()), false, true);
        int n = 50;
        for (int i = 0; i <= n; i++) {
            double s = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * i / n);
            curve.add(s, fit.boundary(s));
        }
        XYSeries points = new XYSeries("zero crossings", false, true);
        fit.crossings().forEach(c -> points.add(c.sigma(), c.gamma()));
        XYSeriesCollection out = new XYSeriesCollection(curve);
        out.addSeries(points);
        return out;
    }

    /**
     * A log axis over the drawn values with half a decade of margin on each side, ticks on whole decades (or every
     * 2, 5, ... decades over wide ranges).
     */
    private static LogAxis logAxis(String label, List<Double> drawn) {
        LogAxis axis = new LogAxis(label);
        double lo = drawn.stream().mapToDouble(Double::doubleValue).min().orElse(1e-6);
        double hi = drawn.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        axis.setSmallestValue(lo / 100);
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        axis.setRange(lo / Math.sqrt(10), hi * Math.sqrt(10));
        return axis;
    }

    /** Validation loss against alignment, points only (Figure 6). */
    public static JFreeChart validationVsAlignment(String title, String alignmentLabel, List<Series> series) {
        JFreeChart chart = ChartFactory.createScatterPlot(title, alignmentLabel, "validation loss", collection(series),
            PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = style(chart);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        plot.addDomainMarker(zeroLine());
        return chart;
    }

    /** Series as the chart gets them, x and y unchanged, in order, duplicates kept. */
    static XYSeriesCollection collection(List<Series> series) {
        XYSeriesCollection c = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), false, true);
            s.points().forEach(p -> xy.add(p.x(), p.y()));
            c.addSeries(xy);
        }
        return c;
    }

    private static XYPlot style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(220, 220, 220));
        plot.setRangeGridlinePaint(new Color(220, 220, 220));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        return plot;
    }

    private static ValueMarker zeroLine() {
        ValueMarker m = new ValueMarker(0, Color.GRAY, new BasicStroke(1f));
        return m;
    }

    private static PaintScaleLegend legend(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setRange(-1, 1);
        axis.setTickUnit(new NumberTickUnit(0.25));
        PaintScaleLegend legend = new PaintScaleLegend(new AlignmentPaintScale(), axis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(new RectangleInsets(10, 10, 10, 10));
        legend.setStripWidth(15);
        legend.setBackgroundPaint(Color.WHITE);
        return legend;
    }
}
