package io.hebbscope.analyzer.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A gauge histogram (OpenMetrics {@code gaugehistogram}): the current distribution of a quantity over a set of items,
 * per label set, whose bucket counts go up and down, unlike a histogram's, which only accumulate observations. Served
 * as {@code <name>_bucket{le}} (cumulative), {@code <name>_gcount} and {@code <name>_gsum}: the OpenMetrics format
 * types it {@code gaugehistogram}, the Prometheus text format {@code histogram} with gauges for count and sum, both
 * of which Prometheus' own lint accepts (a gauge with an {@code le} label it rejects). Client_java has no builder
 * for it, hence this collector on top of its snapshot model.
 */
public final class GaugeHistogram implements Collector {
    private final String name;
    private final String help;
    private final String[] labelNames;
    private final double[] upperBounds;
    private final Map<List<String>, Point> points = new ConcurrentHashMap<>();

    private record Point(long[] counts, double sum) {}

    /**
     * @param upperBounds the finite bucket bounds, ascending; a {@code +Inf} bucket is added
     */
    public GaugeHistogram(String name, String help, double[] upperBounds, String... labelNames) {
        for (int i = 1; i < upperBounds.length; i++) {
            if (!(upperBounds[i] > upperBounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must ascend: " + Arrays.toString(upperBounds));
            }
        }
        this.name = name;
        this.help = help;
        this.labelNames = labelNames.clone();
        this.upperBounds = Arrays.copyOf(upperBounds, upperBounds.length + 1);
        this.upperBounds[upperBounds.length] = Double.POSITIVE_INFINITY;
    }

    public GaugeHistogram register(PrometheusRegistry registry) {
        registry.register(this);
        return this;
    }

    /** Replaces the distribution of {@code labelValues} by that of {@code values}; NaN values are not counted. */
    public void set(double[] values, String... labelValues) {
        if (labelValues.length != labelNames.length) {
            throw new IllegalArgumentException("expected labels " + Arrays.toString(labelNames) + ", got "
                + Arrays.toString(labelValues));
        }
        long[] counts = new long[upperBounds.length];
        double sum = 0;
        for (double v : values) {
            if (Double.isNaN(v)) {
                continue;
            }
            int b = 0;
            while (v > upperBounds[b]) {
                b++;
            }
            counts[b]++;
            sum += v;
        }
        points.put(List.of(labelValues), new Point(counts, sum));
    }

    /** Removes the label sets that match, e.g. every series of a run. */
    public void removeIf(Predicate<List<String>> labelValues) {
        points.keySet().removeIf(labelValues);
    }

    /** The label sets with a distribution. */
    public int size() {
        return points.size();
    }

    @Override
    public HistogramSnapshot collect() {
        List<HistogramSnapshot.HistogramDataPointSnapshot> data = new ArrayList<>(points.size());
        points.forEach((labels, p) -> data.add(HistogramSnapshot.HistogramDataPointSnapshot.builder()
            .classicHistogramBuckets(ClassicHistogramBuckets.of(upperBounds, p.counts()))
            .sum(p.sum())
            .labels(Labels.of(labelNames, labels.toArray(String[]::new)))
            .build()));
        return new HistogramSnapshot(true, new MetricMetadata(name, help), data);
    }

    @Override
    public String getPrometheusName() {
        return name;
    }
}
