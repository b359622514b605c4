package io.hebbscope.analyzer.metrics;

import io.hebbscope.analyzer.alignment.LayerStepAlignment;
import io.hebbscope.analyzer.alignment.Roles;
import io.hebbscope.analyzer.alignment.Spread;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;

/**
 * Per run and layer: how the alignment is distributed over the layer's neurons (histograms, quantiles, mean and
 * spread, the rolling picture), the neurons' roles and sign flips, and per-neuron series for layers up to
 * {@code maxNeuronSeriesWidth} neurons; wider layers are seen through the histograms, which count every neuron.
 */
public final class NeuronAlignmentMetrics {
    /** Buckets of neuron alignment, [-1, 1] in steps of 0.1, for Grafana heatmaps. */
    static final double[] ALIGNMENT_BUCKETS = buckets();
    private static final String[] QUANTILES = {"0.1", "0.5", "0.9"};
    /** The index of the learning signal g in {@link LayerStepAlignment#SIGNALS}. */
    static final int SIGNAL = 1;

    public final Histogram neuronAlignment;
    public final Gauge neuronAlignmentQuantile;
    public final Gauge neuronAlignmentMean;
    public final Gauge neuronAlignmentStddev;
    public final GaugeHistogram neuronsByRollingAlignment;
    public final Gauge neuronAlignmentEwma;
    public final Gauge neuronRoles;
    public final Counter signFlips;
    public final Gauge oscillatingShare;
    private final int maxNeuronSeriesWidth;

    NeuronAlignmentMetrics(SeriesLifecycle series, int maxNeuronSeriesWidth) {
        this.maxNeuronSeriesWidth = maxNeuronSeriesWidth;
        neuronAlignment = series.perRun(Histogram.builder().name("hebbscope_neuron_alignment")
            .help("Per-neuron alignment cos(X_i, H_i), one observation per neuron with a defined value and analyzed step; "
                + "buckets of 0.1 on [-1, 1] for Grafana heatmaps")
            .classicOnly().classicUpperBounds(ALIGNMENT_BUCKETS).labelNames("run", "layer", "signal")
            // no tracer supplies exemplars here; sampling them cost a share of every observation
            .withoutExemplars().build());
        neuronAlignmentQuantile = series.perRun(Gauge.builder().name("hebbscope_neuron_alignment_quantile")
            .help("Quantile q over a layer's neurons of the learning-signal alignment at the last analyzed step "
                + "(a gauge, so not the reserved label quantile)")
            .labelNames("run", "layer", "q").build());
        neuronAlignmentMean = series.perRun(Gauge.builder().name("hebbscope_neuron_alignment_mean")
            .help("Mean over a layer's neurons of the learning-signal alignment at the last analyzed step")
            .labelNames("run", "layer").build());
        neuronAlignmentStddev = series.perRun(Gauge.builder().name("hebbscope_neuron_alignment_stddev")
            .help("Standard deviation over a layer's neurons of the learning-signal alignment at the last analyzed step")
            .labelNames("run", "layer").build());
        GaugeHistogram byRolling = new GaugeHistogram("hebbscope_neurons_by_rolling_alignment",
            "Gauge histogram of a layer's neurons by their rolling (EWMA) learning-signal alignment at the last analyzed "
                + "step (_bucket{le} cumulative, _gcount every neuron with a defined value, _gsum): the current "
                + "per-neuron picture of a layer, for heatmaps", ALIGNMENT_BUCKETS, "run", "layer");
        neuronsByRollingAlignment = series.perRun(byRolling, (run, track) -> byRolling.removeIf(l -> run.equals(l.get(0))));
        neuronAlignmentEwma = series.perRun(Gauge.builder().name("hebbscope_neuron_alignment_ewma")
            .help("Rolling (EWMA) learning-signal alignment of one neuron; only for layers up to the per-neuron width limit")
            .labelNames("run", "layer", "neuron").build());
        neuronRoles = series.perRun(Gauge.builder().name("hebbscope_neurons")
            .help("Neurons per role (hebbian, anti_hebbian, neutral, undefined) by the rolling learning-signal alignment")
            .labelNames("run", "layer", "role").build());
        signFlips = series.perRun(Counter.builder().name("hebbscope_neuron_sign_flips_total")
            .help("Neurons whose per-step learning-signal alignment changed sign from their previous analyzed step, summed over steps")
            .labelNames("run", "layer").build());
        oscillatingShare = series.perRun(Gauge.builder().name("hebbscope_oscillating_neurons_share")
            .help("Share of a layer's neurons the oscillation detector classifies as oscillating (0..1)")
            .labelNames("run", "layer").build());
    }

    /**
     * One analyzed layer step. {@code signalEwma} holds NaN for neurons never defined; {@code spread} is that of
     * the learning-signal alignments, null when none is defined. The per-neuron loops use the
     * data points kept on the layer's track ({@code cached}): a label lookup per neuron and step (a list of label
     * values built and hashed each time) was most of these metrics' cost.
     */
    void analyzed(String run, String layer, RunTrack.Layer cached, LayerStepAlignment a, Spread spread,
                  double[] signalEwma, Roles roles, int flips) {
        LayerSeries points = cached.neuronSeries;
        if (points == null || points.ewma.length != a.rows) {
            points = new LayerSeries(run, layer, a.rows);
            cached.neuronSeries = points;
        }
        for (int s = 0; s < 3; s++) {
            observeDefined(points.alignment[s], a.neuron[s], a.defined[s], a.rows);
        }
        if (spread != null) {
            neuronAlignmentQuantile.labelValues(run, layer, QUANTILES[0]).set(spread.p10());
            neuronAlignmentQuantile.labelValues(run, layer, QUANTILES[1]).set(spread.p50());
            neuronAlignmentQuantile.labelValues(run, layer, QUANTILES[2]).set(spread.p90());
            neuronAlignmentMean.labelValues(run, layer).set(spread.mean());
            neuronAlignmentStddev.labelValues(run, layer).set(spread.std());
        }
        neuronsByRollingAlignment.set(signalEwma, run, layer);
        if (perNeuronSeries(a.rows)) {
            setDefined(points, signalEwma, a.rows);
        }
        neuronRoles.labelValues(run, layer, "hebbian").set(roles.hebbian());
        neuronRoles.labelValues(run, layer, "anti_hebbian").set(roles.antiHebbian());
        neuronRoles.labelValues(run, layer, "neutral").set(roles.neutral());
        neuronRoles.labelValues(run, layer, "undefined").set(roles.undefined());
        signFlips.labelValues(run, layer).inc(flips);
    }

    // The per-neuron loops are methods of their own: inside analyzed, C2 compiled analyzed three times per process
    // (twice for its loops by on-stack replacement, then whole).
    private static void observeDefined(DistributionDataPoint histogram, double[] values, boolean[] defined, int rows) {
        for (int i = 0; i < rows; i++) {
            if (defined[i]) {
                histogram.observe(values[i]);
            }
        }
    }

    private static void setDefined(LayerSeries points, double[] signalEwma, int rows) {
        for (int i = 0; i < rows; i++) {
            if (!Double.isNaN(signalEwma[i])) {
                points.ewma(i).set(signalEwma[i]);
            }
        }
    }

    /**
     * The data points of one layer's per-neuron series, looked up once. They live on the layer's {@link RunTrack},
     * which goes when the run's series are removed, so a run seen again gets fresh ones.
     */
    final class LayerSeries {
        private final String run;
        private final String layer;
        final DistributionDataPoint[] alignment = new DistributionDataPoint[3];
        private final GaugeDataPoint[] ewma;

        LayerSeries(String run, String layer, int rows) {
            this.run = run;
            this.layer = layer;
            for (int s = 0; s < 3; s++) {
                alignment[s] = neuronAlignment.labelValues(run, layer, LayerStepAlignment.SIGNALS[s]);
            }
            ewma = new GaugeDataPoint[rows];
        }

        /** Created at a neuron's first defined value: a neuron never defined has no series. */
        GaugeDataPoint ewma(int neuron) {
            GaugeDataPoint point = ewma[neuron];
            if (point == null) {
                point = neuronAlignmentEwma.labelValues(run, layer, Integer.toString(neuron));
                ewma[neuron] = point;
            }
            return point;
        }
    }

    /** The oscillation detector's share of oscillating neurons in a layer (0..1). */
    void oscillationShare(String run, String layer, double share) {
        oscillatingShare.labelValues(run, layer).set(share);
    }

    boolean perNeuronSeries(int width) {
        return width <= maxNeuronSeriesWidth;
    }

    int maxNeuronSeriesWidth() {
        return maxNeuronSeriesWidth;
    }

    private static double[] buckets() {
        double[] b = new double[21];
        for (int i = 0; i <= 20; i++) {
            b[i] = Math.round((-1.0 + 0.1 * i) * 10) / 10.0;
        }
        return b;
    }

    /** The same bounds as the histogram's le labels ("-1.0" ... "1.0", "+Inf"). */
    static String[] bucketLabels() {
        String[] labels = new String[ALIGNMENT_BUCKETS.length + 1];
        for (int i = 0; i < ALIGNMENT_BUCKETS.length; i++) {
            labels[i] = Double.toString(ALIGNMENT_BUCKETS[i]);
        }
        labels[ALIGNMENT_BUCKETS.length] = "+Inf";
        return labels;
    }
}
