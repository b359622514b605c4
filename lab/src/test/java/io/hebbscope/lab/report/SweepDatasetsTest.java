package io.hebbscope.lab.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jfree.data.xy.IntervalXYDataset;
import org.jfree.data.xy.XYZDataset;
import org.junit.jupiter.api.Test;

/** Sweep summaries from hand-made rows: means, stds, cells and points are the rows' numbers. */
class SweepDatasetsTest {
    private static SweepRow row(String model, String rule, double gamma, double sigma, long seed, String layer, Double signal,
                                Double validationLoss, boolean collapsed) {
        return new SweepRow(rule + gamma + sigma + seed, model, rule, gamma, sigma, 0.01, seed, layer, null, signal, null,
            validationLoss, null, collapsed);
    }

    private static List<SweepRow> rows() {
        List<SweepRow> r = new ArrayList<>();
        r.add(row("MLP", "sgd", 0, 0, 1, "layer1", -0.11, 0.30, false));
        r.add(row("MLP", "sgd", 0, 0, 2, "layer1", -0.09, 0.32, false));
        r.add(row("MLP", "sgd", 5e-4, 0, 1, "layer1", 0.16, 0.25, false));
        r.add(row("MLP", "sgd", 5e-4, 0, 2, "layer1", 0.18, 0.26, false));
        r.add(row("MLP", "sgd", 5e-4, 0, 3, "layer1", null, 0.27, false)); // undefined: left out
        r.add(row("MLP", "sgd", 5e-4, 0, 1, "layer0", 0.99, 0.25, false)); // another layer
        r.add(row("MLP", "sgd", 5e-4, 0.1, 1, "layer1", -0.4, 0.9, false)); // noisy: not in the σ = 0 summary
        r.add(row("MLP", "adam", 5e-4, 0, 1, "layer1", 0.6, 0.2, false));
        r.add(row("MLP", "adam", 5e-3, 0, 1, "layer1", 0.5, 5.0, true)); // collapsed: left out
        return r;
    }

    @Test
    void alignmentAgainstGammaIsMeanAndStdOverSeedsPerRuleAtTheSmallestNoise() {
        GammaSummary s = SweepDatasets.alignmentVsGamma(rows(), "layer1");
        assertThat(s.noise()).isEqualTo(0);
        assertThat(s.gammas()).containsExactly(0.0, 5e-4, 5e-3);
        assertThat(s.zeroAt()).isEqualTo(5e-5);
        GammaSummary.Row sgd = s.rows().get(0);
        assertThat(sgd.label()).isEqualTo("sgd");
        assertThat(sgd.cells().get(0).mean()).isCloseTo(-0.10, within(1e-12));
        assertThat(sgd.cells().get(0).std()).isCloseTo(0.01, within(1e-12));
        assertThat(sgd.cells().get(1).n()).isEqualTo(2);
        assertThat(sgd.cells().get(1).mean()).isCloseTo(0.17, within(1e-12));
        assertThat(sgd.cells().get(2).defined()).isFalse();
        GammaSummary.Row adam = s.rows().get(1);
        assertThat(adam.cells().get(1)).isEqualTo(new StatCell(0.6, 0, 1));
        assertThat(adam.cells().get(2).defined()).isFalse();

        assertThat(s.table().header()).containsExactly("model", "rule", "γ=0", "γ=5e-4", "γ=5e-3");
        assertThat(s.table().rows()).containsExactly(
            List.of("MLP", "sgd", "-0.10±0.01", "0.17±0.01", "–"),
            List.of("MLP", "adam", "–", "0.60±0.00", "–"));

        List<ErrorSeries> series = s.series();
        assertThat(series.get(0).points()).extracting(ErrorSeries.Point::gamma).containsExactly(0.0, 5e-4);
        assertThat(series.get(0).points()).extracting(ErrorSeries.Point::x).containsExactly(5e-5, 5e-4);
        assertThat(series.get(1).points()).extracting(ErrorSeries.Point::x).containsExactly(5e-4);

        // The chart gets mean as y and mean ± std as the bar.
        IntervalXYDataset d = (IntervalXYDataset) ReportCharts.alignmentVsGamma(s).getXYPlot().getDataset();
        assertThat(d.getSeriesCount()).isEqualTo(2);
        assertThat(d.getXValue(0, 0)).isEqualTo(5e-5);
        assertThat(d.getYValue(0, 0)).isCloseTo(-0.10, within(1e-12));
        assertThat(d.getStartYValue(0, 0)).isCloseTo(-0.11, within(1e-12));
        assertThat(d.getEndYValue(0, 0)).isCloseTo(-0.09, within(1e-12));
    }

    @Test
    void severalModelsAreNamedInTheLabels() {
        List<SweepRow> r = new ArrayList<>(rows());
        r.add(row("Transformer", "sgd", 0, 0, 1, "layer1", 0.0, 0.3, false));
        GammaSummary s = SweepDatasets.alignmentVsGamma(r, "layer1");
        assertThat(s.rows()).extracting(GammaSummary.Row::label).containsExactly("MLP sgd", "MLP adam", "Transformer sgd");
    }

    @Test
    void phaseGridsHoldTheMeanOfEachCell() {
        List<PhaseGrid> grids = SweepDatasets.phaseGrids(rows(), "layer1");
        assertThat(grids).extracting(PhaseGrid::label).containsExactly("sgd", "adam");
        PhaseGrid sgd = grids.get(0);
        assertThat(sgd.sigmas()).containsExactly(0.0, 0.1);
        assertThat(sgd.gammas()).containsExactly(0.0, 5e-4);
        Map<Double, Map<Double, Double>> means = sgd.means();
        assertThat(means.get(0.0).get(0.0)).isCloseTo(-0.1, within(1e-12));
        assertThat(means.get(0.0).get(5e-4)).isCloseTo(0.17, within(1e-12));
        assertThat(means.get(0.1)).containsExactly(Map.entry(5e-4, -0.4));
        // The adam cell at γ = 5e-3 has only a collapsed run: no mean.
        assertThat(grids.get(1).means().get(0.0)).containsOnlyKeys(5e-4);

        XYZDataset d = ReportCharts.phaseDataset(sgd);
        assertThat(d.getItemCount(0)).isEqualTo(3);
        // σ = 0 is drawn at 0.01 (a decade below 0.1), γ = 0 at 5e-5.
        assertThat(d.getXValue(0, 0)).isEqualTo(0.01);
        assertThat(d.getYValue(0, 0)).isEqualTo(5e-5);
        assertThat(d.getZValue(0, 0)).isCloseTo(-0.1, within(1e-12));
        assertThat(d.getXValue(0, 2)).isEqualTo(0.1);
        assertThat(d.getYValue(0, 2)).isEqualTo(5e-4);
        assertThat(d.getZValue(0, 2)).isEqualTo(-0.4);
    }

    @Test
    void validationAgainstAlignmentIsOnePointPerRunOfTheLayer() {
        List<Series> s = SweepDatasets.validationVsAlignment(rows(), "layer1");
        assertThat(s).containsExactly(
            new Series("sgd", List.of(new Series.Point(-0.11, 0.30), new Series.Point(-0.09, 0.32),
                new Series.Point(0.16, 0.25), new Series.Point(0.18, 0.26), new Series.Point(-0.4, 0.9))),
            new Series("adam", List.of(new Series.Point(0.6, 0.2), new Series.Point(0.5, 5.0))));
        var d = ReportCharts.validationVsAlignment("t", "x", s).getXYPlot().getDataset();
        assertThat(d.getItemCount(0)).isEqualTo(5);
        assertThat(d.getXValue(0, 4)).isEqualTo(-0.4);
        assertThat(d.getYValue(0, 4)).isEqualTo(0.9);
    }
}
