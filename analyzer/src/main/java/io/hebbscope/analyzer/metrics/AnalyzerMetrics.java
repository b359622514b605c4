package io.hebbscope.analyzer.metrics;

import io.hebbscope.analyzer.alignment.LayerStepAlignment;
import io.hebbscope.analyzer.alignment.Roles;
import io.hebbscope.analyzer.alignment.Spread;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Every metric the analyzer exports (docs/monitoring.md lists them), behind the events the topology reports.
 *
 * <p>The families are declared in their own classes: {@link RunMetrics} (a run's configuration, status and
 * training), {@link LayerAlignmentMetrics} (per-layer alignment and norms), {@link NeuronAlignmentMetrics} (the
 * distribution over neurons, roles, per-neuron series), {@link PhaseMetrics} (the detectors' events) and
 * {@link PipelineMetrics} (throughput, lag, duplicates, dead letters). {@link SeriesLifecycle} registers them all and
 * adds and removes a run's label sets: at most {@code maxTrackedRuns} runs have series, a finished run's go after
 * {@code finishedRunRetention} without updates.
 *
 * <p>Label sets stay bounded: {@code run} and {@code layer} come from the trainer, {@code signal}, {@code role},
 * {@code term}, {@code kind}, {@code le}, {@code q} and {@code reason} are fixed sets; per-neuron series
 * ({@code neuron} label) exist only for layers up to {@code maxNeuronSeriesWidth} neurons.
 *
 * <p>Thread-safe: Kafka Streams threads update it, the HTTP server scrapes it, a daemon thread expires runs.
 */
public final class AnalyzerMetrics implements AutoCloseable {
    public static final Duration DEFAULT_FINISHED_RUN_RETENTION = Duration.ofMinutes(10);
    /** The analyzer's default of --max-active-runs. */
    public static final int DEFAULT_MAX_TRACKED_RUNS = 100;

    public final RunMetrics run;
    public final LayerAlignmentMetrics layers;
    public final NeuronAlignmentMetrics neurons;
    public final PhaseMetrics phases;
    public final PipelineMetrics pipeline;
    // The counters the topology's stages count records with.
    public final Counter recordsProcessed;
    public final Counter recordsAccepted;
    public final Counter duplicateRecords;
    public final Counter deadLetters;

    private final SeriesLifecycle series;

    /** Metrics with the default retention of finished runs (10 min) and the wall clock. */
    public AnalyzerMetrics(PrometheusRegistry registry, int maxNeuronSeriesWidth) {
        this(registry, maxNeuronSeriesWidth, DEFAULT_FINISHED_RUN_RETENTION, System::currentTimeMillis);
    }

    /**
     * @param finishedRunRetention how long a finished run's series stay after their last update
     * @param clock                milliseconds since the epoch (tests pass their own)
     */
    public AnalyzerMetrics(PrometheusRegistry registry, int maxNeuronSeriesWidth, Duration finishedRunRetention,
                           LongSupplier clock) {
        this(registry, maxNeuronSeriesWidth, finishedRunRetention, clock, DEFAULT_MAX_TRACKED_RUNS);
    }

    /** @param maxTrackedRuns runs with series at once (the analyzer's --max-active-runs) */
    public AnalyzerMetrics(PrometheusRegistry registry, int maxNeuronSeriesWidth, Duration finishedRunRetention,
                           LongSupplier clock, int maxTrackedRuns) {
        series = new SeriesLifecycle(registry, finishedRunRetention, clock, maxTrackedRuns);
        layers = new LayerAlignmentMetrics(series);
        neurons = new NeuronAlignmentMetrics(series, maxNeuronSeriesWidth);
        phases = new PhaseMetrics(series);
        run = new RunMetrics(series);
        pipeline = new PipelineMetrics(series);
        recordsProcessed = pipeline.recordsProcessed;
        recordsAccepted = pipeline.recordsAccepted;
        duplicateRecords = pipeline.duplicateRecords;
        deadLetters = pipeline.deadLetters;
    }

    // ---------------------------------------------------------------- events from the topology

    /** Pre-creates the input topics' record counters, so that dashboards show 0 rather than nothing before traffic. */
    public void inputTopics(String... topics) {
        pipeline.inputTopics(topics);
    }

    /** How many records of unknown runs a task's stage holds while they wait for their RunStarted. */
    public void waitingRecords(String task, int count) {
        pipeline.waitingRecords.labelValues(task).set(count);
    }

    /** A LayerStep block seen again: counted per run and layer (when the run has series) and per topic. */
    public void duplicateBlock(String runId, String layer, String topic) {
        pipeline.duplicateRecords.labelValues(topic).inc();
        if (series.touch(runId) != null) {
            pipeline.duplicateBlocks.labelValues(runId, layer).inc();
        }
    }

    /** Steps of a layer given up on because a block never arrived. */
    public void skippedSteps(String runId, String layer, int steps) {
        if (series.touch(runId) != null) {
            pipeline.skippedSteps.labelValues(runId, layer).inc(steps);
        }
    }

    /** A RunStarted or RunFinished from the runs topic; anything else is ignored. */
    public void runEvent(Object event) {
        if (event instanceof RunStarted started) {
            runStarted(started);
        } else if (event instanceof RunFinished finished) {
            runFinished(finished);
        }
    }

    public void runStarted(RunStarted r) {
        RunTrack track = series.touch(r.getRunId());
        if (track != null) {
            run.started(r, track);
        }
    }

    public void runFinished(RunFinished r) {
        RunTrack track = series.touch(r.getRunId());
        if (track != null) {
            run.status(track, r.getRunId(), r.getStatus().toLowerCase(Locale.ROOT));
            series.finished(track);
        }
    }

    /** One StepMetrics record: losses, learning rate, weight norms, the trained step. */
    public void stepMetrics(StepMetrics m) {
        RunTrack track = series.touch(m.getRunId());
        if (track != null) {
            long trained = run.stepMetrics(m, track);
            pipeline.trained(m.getRunId(), track, trained);
        }
    }

    /**
     * Exports one analyzed layer step. {@code signalEwma} holds NaN for neurons never defined; {@code spread} is that
     * of the step's learning-signal alignments (null when none is defined), which the LayerAlignment carries too.
     */
    public void layerStepAnalyzed(String runId, String layer, long step, long publishedAtMs, LayerStepAlignment a,
                                  Spread spread, List<Double> layerEwma, double[] signalEwma, Roles roles) {
        RunTrack track = series.touch(runId);
        if (track == null) {
            return;
        }
        layers.analyzed(runId, layer, a, layerEwma);
        RunTrack.Layer layerTrack = track.layer(layer);
        int flips = layerTrack.analyzed(step, publishedAtMs, a.neuron[NeuronAlignmentMetrics.SIGNAL],
            a.defined[NeuronAlignmentMetrics.SIGNAL]);
        neurons.analyzed(runId, layer, layerTrack, a, spread, signalEwma, roles, flips);
        pipeline.analyzed(runId, layer, step, publishedAtMs, series.now(), track.trainedStep);
    }

    /**
     * Exports a detected phase event: a count per kind, the step it refers to, and when that step was trained
     * (from the layer's publish times; the current time when the step is unknown), for dashboard annotations.
     */
    public void phaseDetected(PhaseEvent event) {
        RunTrack track = series.touch(event.getRunId());
        if (track == null) {
            return;
        }
        RunTrack.Layer layer = track.layers.get(event.getLayer());
        long published = layer == null ? -1 : layer.publishedAt(event.getStep());
        phases.detected(event, published > 0 ? published : series.now());
    }

    /** The oscillation detector's share of oscillating neurons in a layer (0..1). */
    public void oscillationShare(String runId, String layer, double share) {
        if (series.touch(runId) != null) {
            neurons.oscillationShare(runId, layer, share);
        }
    }

    // ---------------------------------------------------------------- series lifecycle

    /**
     * Removes every series of the finished runs not updated for the retention time; returns the runs removed. A run
     * whose RunStarted and RunFinished another instance analyzes (several instances share the partitions) is never
     * seen finishing here: its series go once none of its records came for the retention time.
     * Called periodically by a daemon thread once a run has been seen; public for tests.
     */
    public List<String> expireFinishedRuns() {
        return series.expireFinishedRuns();
    }

    /** The runs that currently have series. */
    public Set<String> trackedRuns() {
        return series.trackedRuns();
    }

    public Duration finishedRunRetention() {
        return series.finishedRunRetention();
    }

    @Override
    public void close() {
        series.close();
    }

    public PrometheusRegistry registry() {
        return series.registry();
    }

    public boolean perNeuronSeries(int width) {
        return neurons.perNeuronSeries(width);
    }

    public int maxNeuronSeriesWidth() {
        return neurons.maxNeuronSeriesWidth();
    }

    static String[] bucketLabelsForTest() {
        return NeuronAlignmentMetrics.bucketLabels();
    }
}
