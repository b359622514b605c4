package io.hebbscope.analyzer.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;

/**
 * The analyzer's own health: throughput, how far the analysis lags behind training, and the accounting of every
 * record read (accepted, a counted duplicate, a dead letter, or still waiting for its run's RunStarted).
 */
public final class PipelineMetrics {
    // Per run and layer.
    public final Gauge analyzedStep;
    public final Counter analyzedSteps;
    public final Gauge analysisLag;
    public final Gauge analysisLagSteps;
    public final Counter duplicateBlocks;
    public final Counter skippedSteps;
    // Per topic, task or reason: no run label.
    public final Counter recordsProcessed;
    public final Counter recordsAccepted;
    public final Counter duplicateRecords;
    public final Counter deadLetters;
    public final Gauge waitingRecords;

    PipelineMetrics(SeriesLifecycle series) {
        analyzedStep = series.perRun(Gauge.builder().name("hebbscope_analyzed_step")
            .help("Last training step analyzed").labelNames("run", "layer").build());
        analyzedSteps = series.perRun(Counter.builder().name("hebbscope_analyzed_steps_total")
            .help("Layer steps analyzed").labelNames("run", "layer").build());
        analysisLag = series.perRun(Gauge.builder().name("hebbscope_analysis_lag_seconds")
            .help("Time from the trainer publishing a layer step to the analyzer finishing it").labelNames("run", "layer").build());
        analysisLagSteps = series.perRun(Gauge.builder().name("hebbscope_analysis_lag_steps")
            .help("Last trained step minus last analyzed step (includes up to publish-every - 1 unpublished steps)")
            .labelNames("run", "layer").build());
        recordsProcessed = series.global(Counter.builder().name("hebbscope_records_processed_total")
            .help("Records the analyzer read, by topic").labelNames("topic").build());
        deadLetters = series.global(Counter.builder().name("hebbscope_dead_letters_total")
            .help("Records sent to the dead-letter topic, by source topic and reason category").labelNames("topic", "reason")
            .build());
        duplicateBlocks = series.perRun(Counter.builder().name("hebbscope_duplicate_blocks_total")
            .help("LayerStep blocks seen again (or after their step was emitted) and ignored").labelNames("run", "layer").build());
        skippedSteps = series.perRun(Counter.builder().name("hebbscope_skipped_steps_total")
            .help("Steps given up on because a block never arrived").labelNames("run", "layer").build());
        recordsAccepted = series.global(Counter.builder().name("hebbscope_records_accepted_total")
            .help("Records the analysis used, by source topic: with the duplicates and the dead letters, every record read")
            .labelNames("topic").build());
        duplicateRecords = series.global(Counter.builder().name("hebbscope_duplicate_records_total")
            .help("Records seen again (a block, RunStarted or RunFinished already used) and ignored, by source topic")
            .labelNames("topic").build());
        waitingRecords = series.global(Gauge.builder().name("hebbscope_waiting_records")
            .help("Records of runs not admitted (yet) waiting for their RunStarted, by task and stage")
            .labelNames("task").build());
    }

    /** Pre-creates the input topics' record counters, so that dashboards show 0 rather than nothing before traffic. */
    void inputTopics(String... topics) {
        for (String t : topics) {
            recordsProcessed.initLabelValues(t);
            recordsAccepted.initLabelValues(t);
            duplicateRecords.initLabelValues(t);
        }
    }

    /** A layer step analyzed; {@code publishedAtMs} > 0 when known, {@code trained} >= 0 when known. */
    void analyzed(String run, String layer, long step, long publishedAtMs, long nowMs, long trained) {
        analyzedStep.labelValues(run, layer).set(step);
        analyzedSteps.labelValues(run, layer).inc();
        if (publishedAtMs > 0) {
            analysisLag.labelValues(run, layer).set(Math.max(0, nowMs - publishedAtMs) / 1000.0);
        }
        if (trained >= 0) {
            analysisLagSteps.labelValues(run, layer).set(Math.max(0, trained - step));
        }
    }

    /** The trainer reached step {@code trained}: every analyzed layer's lag in steps. */
    void trained(String run, RunTrack track, long trained) {
        track.layers.forEach((layer, t) -> {
            long analyzed = t.analyzedStep;
            if (analyzed >= 0) {
                analysisLagSteps.labelValues(run, layer).set(Math.max(0, trained - analyzed));
            }
        });
    }
}
