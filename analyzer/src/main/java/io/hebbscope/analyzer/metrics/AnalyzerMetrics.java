package io.hebbscope.analyzer.metrics;

import io.hebbscope.analyzer.alignment.LayerStepAlignment;
import io.hebbscope.analyzer.alignment.Roles;
import io.hebbscope.analyzer.alignment.Spread;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Every metric the analyzer exports, declared once (the README's Metrics section lists them).
 *
 * <p>Label sets stay bounded: {@code run} and {@code layer} come from the trainer, {@code signal}, {@code role},
 * {@code term}, {@code kind}, {@code le}, {@code q} and {@code reason} are fixed sets; per-neuron series
 * ({@code neuron} label) exist only for layers up to {@code maxNeuronSeriesWidth} neurons; wider layers are seen
 * through the histograms, which always count every neuron.
 *
 * <p>At most {@code maxTrackedRuns} runs have series at once (the analyzer admits at most that many active runs):
 * a further run first takes the place of the least recently updated run that is finished, not started here, or idle
 * for the retention time; when there is none, its series are not exported ({@code hebbscope_runs_not_exported_total}).
 *
 * <p>Series do not pile up: once a run has finished (RunFinished on the runs topic) and none of its series has
 * been updated for {@code finishedRunRetention}, every series with its {@code run} label is removed. The clock
 * starts at the last update, not at RunFinished, because an analyzer that lags behind the trainer reads
 * RunFinished (a small topic) long before the run's last layer steps.
 *
 * <p>Thread-safe: Kafka Streams threads update it, the HTTP server scrapes it, a daemon thread expires runs.
 */
public final class AnalyzerMetrics implements AutoCloseable {
    /** Buckets of neuron alignment, [-1, 1] in steps of 0.1, for Grafana heatmaps. */
    static final double[] ALIGNMENT_BUCKETS = buckets();
    public static final Duration DEFAULT_FINISHED_RUN_RETENTION = Duration.ofMinutes(10);
    /** The analyzer's default of --max-active-runs. */
    public static final int DEFAULT_MAX_TRACKED_RUNS = 100;
    /** Per layer, how many recent steps keep their publish time (to place phase annotations at the trained step). */
    static final int STEP_TIMES_KEPT = 10_000;
    private static final String[] BUCKET_LABELS = bucketLabels();
    private static final String[] TERMS = {"gradient", "signal", "update", "hebbian"};
    private static final String[] QUANTILES = {"0.1", "0.5", "0.9"};
    private static final int SIGNAL = 1;

    // Alignment, per run and layer.
    public final Gauge layerAlignment;
    public final Gauge layerAlignmentEwma;
    public final Histogram neuronAlignment;
    public final Gauge neuronAlignmentQuantile;
    public final Gauge neuronAlignmentMean;
    public final Gauge neuronAlignmentStddev;
    public final GaugeHistogram neuronsByRollingAlignment;
    public final Gauge neuronAlignmentEwma;
    public final Gauge layerNorm;
    // Roles and oscillations.
    public final Gauge neuronRoles;
    public final Counter signFlips;
    public final Gauge oscillatingShare;
    // Phases.
    public final Counter phaseEvents;
    public final Gauge phaseLastStep;
    public final Gauge phaseLastTimestamp;
    // Training.
    public final Info runInfo;
    public final Gauge runStatus;
    public final Gauge runTotalSteps;
    public final Gauge trainedStep;
    public final Gauge trainLoss;
    public final Gauge validationLoss;
    public final Gauge validationAccuracy;
    public final Gauge learningRate;
    public final Gauge weightNorm;
    // Pipeline health.
    public final Gauge analyzedStep;
    public final Counter analyzedSteps;
    public final Gauge analysisLag;
    public final Gauge analysisLagSteps;
    public final Counter recordsProcessed;
    public final Counter deadLetters;
    public final Counter duplicateBlocks;
    public final Counter skippedSteps;
    public final Counter expiredRuns;
    // Accounting: every record read is accepted, a counted duplicate, or a dead letter (or still waiting).
    public final Counter recordsAccepted;
    public final Counter duplicateRecords;
    public final Counter runsNotExported;
    private final Gauge waitingRecords;

    private final int maxNeuronSeriesWidth;
    private final int maxTrackedRuns;
    /** Runs refused series recently, so that each is counted once. */
    private final Map<String, Boolean> refused = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    });
    private final PrometheusRegistry registry;
    private final Duration finishedRunRetention;
    private final LongSupplier clock;
    /** Every stateful metric with a run label, and the index of that label, for expiry. */
    private final List<Map.Entry<StatefulMetric<?, ?>, Integer>> perRun = new ArrayList<>();
    private final Map<String, RunTrack> runs = new ConcurrentHashMap<>();
    /** Runs expired recently: if their records show up again (a replay), they count as finished at once. */
    private final Map<String, Boolean> expired = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    });
    private ScheduledExecutorService sweeper;

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
        if (maxTrackedRuns < 1) {
            throw new IllegalArgumentException("tracked runs must be >= 1, got " + maxTrackedRuns);
        }
        this.maxTrackedRuns = maxTrackedRuns;
        if (finishedRunRetention.isNegative()) {
            throw new IllegalArgumentException("finished-run retention must be >= 0, got " + finishedRunRetention);
        }
        this.registry = registry;
        this.maxNeuronSeriesWidth = maxNeuronSeriesWidth;
        this.finishedRunRetention = finishedRunRetention;
        this.clock = clock;

        layerAlignment = gauge("hebbscope_layer_alignment",
            "cos(X, H) over the whole layer at the last analyzed step; signal is gradient (X = -dL/dW), signal (X = g) or update (X = U)",
            "run", "layer", "signal");
        layerAlignmentEwma = gauge("hebbscope_layer_alignment_ewma",
            "EWMA over analyzed steps of hebbscope_layer_alignment (the rolling layer alignment)", "run", "layer", "signal");
        neuronAlignment = perRun(Histogram.builder().name("hebbscope_neuron_alignment")
            .help("Per-neuron alignment cos(X_i, H_i), one observation per neuron with a defined value and analyzed step; "
                + "buckets of 0.1 on [-1, 1] for Grafana heatmaps")
            .classicOnly().classicUpperBounds(ALIGNMENT_BUCKETS).labelNames("run", "layer", "signal").register(registry), 0);
        neuronAlignmentQuantile = gauge("hebbscope_neuron_alignment_quantile",
            "Quantile q over a layer's neurons of the learning-signal alignment at the last analyzed step "
                + "(a gauge, so not the reserved label quantile)", "run", "layer", "q");
        neuronAlignmentMean = gauge("hebbscope_neuron_alignment_mean",
            "Mean over a layer's neurons of the learning-signal alignment at the last analyzed step", "run", "layer");
        neuronAlignmentStddev = gauge("hebbscope_neuron_alignment_stddev",
            "Standard deviation over a layer's neurons of the learning-signal alignment at the last analyzed step", "run", "layer");
        neuronsByRollingAlignment = new GaugeHistogram("hebbscope_neurons_by_rolling_alignment",
            "Gauge histogram of a layer's neurons by their rolling (EWMA) learning-signal alignment at the last analyzed "
                + "step (_bucket{le} cumulative, _gcount every neuron with a defined value, _gsum): the current "
                + "per-neuron picture of a layer, for heatmaps", ALIGNMENT_BUCKETS, "run", "layer").register(registry);
        neuronAlignmentEwma = gauge("hebbscope_neuron_alignment_ewma",
            "Rolling (EWMA) learning-signal alignment of one neuron; only for layers up to the per-neuron width limit",
            "run", "layer", "neuron");
        layerNorm = gauge("hebbscope_layer_norm",
            "Frobenius norm over the layer at the last analyzed step; term is gradient, signal, update or hebbian",
            "run", "layer", "term");

        neuronRoles = gauge("hebbscope_neurons",
            "Neurons per role (hebbian, anti_hebbian, neutral, undefined) by the rolling learning-signal alignment", "run", "layer", "role");
        signFlips = counter("hebbscope_neuron_sign_flips_total",
            "Neurons whose per-step learning-signal alignment changed sign from their previous analyzed step, summed over steps",
            "run", "layer");
        oscillatingShare = gauge("hebbscope_oscillating_neurons_share",
            "Share of a layer's neurons the oscillation detector classifies as oscillating (0..1)", "run", "layer");

        phaseEvents = counter("hebbscope_phase_events_total", "Phase events detected, by kind", "run", "layer", "kind");
        phaseLastStep = gauge("hebbscope_phase_last_step",
            "Training step of the latest phase event of each kind", "run", "layer", "kind");
        phaseLastTimestamp = gauge("hebbscope_phase_last_timestamp_seconds",
            "When the step of the latest phase event of each kind was trained (Unix seconds; for Grafana annotations)",
            "run", "layer", "kind");

        runInfo = Info.builder().name("hebbscope_run")
            .help("One series per run with its configuration as labels (value 1); join on run for sweeps")
            .labelNames("run", "task", "model", "rule", "widths", "activation", "learning_rate", "weight_decay", "noise",
                "batch_size", "seed")
            .register(registry);
        runStatus = gauge("hebbscope_run_status",
            "1 for the run's current status: running, completed, diverged or interrupted", "run", "status");
        runTotalSteps = gauge("hebbscope_run_total_steps", "Steps the run is configured to train", "run");
        trainedStep = gauge("hebbscope_trained_step", "Last training step reported by the trainer", "run");
        trainLoss = gauge("hebbscope_train_loss", "Training loss of the last step's batch", "run");
        validationLoss = gauge("hebbscope_validation_loss", "Validation loss at the last evaluation", "run");
        validationAccuracy = gauge("hebbscope_validation_accuracy",
            "Validation accuracy (0..1) at the last evaluation; classification tasks only", "run");
        learningRate = gauge("hebbscope_learning_rate", "Learning rate of the last step", "run");
        weightNorm = gauge("hebbscope_weight_norm", "Frobenius norm of a layer's weights after the last step", "run", "layer");

        analyzedStep = gauge("hebbscope_analyzed_step", "Last training step analyzed", "run", "layer");
        analyzedSteps = counter("hebbscope_analyzed_steps_total", "Layer steps analyzed", "run", "layer");
        analysisLag = gauge("hebbscope_analysis_lag_seconds",
            "Time from the trainer publishing a layer step to the analyzer finishing it", "run", "layer");
        analysisLagSteps = gauge("hebbscope_analysis_lag_steps",
            "Last trained step minus last analyzed step (includes up to publish-every - 1 unpublished steps)", "run", "layer");
        recordsProcessed = Counter.builder().name("hebbscope_records_processed_total")
            .help("Records the analyzer read, by topic").labelNames("topic").register(registry);
        deadLetters = Counter.builder().name("hebbscope_dead_letters_total")
            .help("Records sent to the dead-letter topic, by source topic and reason category").labelNames("topic", "reason")
            .register(registry);
        duplicateBlocks = counter("hebbscope_duplicate_blocks_total",
            "LayerStep blocks seen again (or after their step was emitted) and ignored", "run", "layer");
        skippedSteps = counter("hebbscope_skipped_steps_total", "Steps given up on because a block never arrived", "run", "layer");
        expiredRuns = Counter.builder().name("hebbscope_expired_runs_total")
            .help("Finished runs whose series were removed after the retention time").register(registry);
        recordsAccepted = Counter.builder().name("hebbscope_records_accepted_total")
            .help("Records the analysis used, by source topic: with the duplicates and the dead letters, every record read")
            .labelNames("topic").register(registry);
        duplicateRecords = Counter.builder().name("hebbscope_duplicate_records_total")
            .help("Records seen again (a block, RunStarted or RunFinished already used) and ignored, by source topic")
            .labelNames("topic").register(registry);
        runsNotExported = Counter.builder().name("hebbscope_runs_not_exported_total")
            .help("Runs refused metric series because as many runs as the analyzer tracks at once were exported")
            .register(registry);
        waitingRecords = Gauge.builder().name("hebbscope_waiting_records")
            .help("Records of runs not admitted (yet) waiting for their RunStarted, by task and stage")
            .labelNames("task").register(registry);
        GaugeWithCallback.builder().name("hebbscope_runs")
            .help("Runs whose RunStarted this instance analyzed, by state (running: no RunFinished yet; finished: waiting"
                + " for expiry); with several instances each run is counted by the one that owns its partition of the runs topic")
            .labelNames("state")
            .callback(cb -> {
                long finished = runs.values().stream().filter(r -> r.started && r.finished).count();
                long started = runs.values().stream().filter(r -> r.started).count();
                cb.call(started - finished, "running");
                cb.call(finished, "finished");
            })
            .register(registry);
    }

    // ---------------------------------------------------------------- events from the topology

    /** Pre-creates the input topics' record counters, so that dashboards show 0 rather than nothing before traffic. */
    public void inputTopics(String... topics) {
        for (String t : topics) {
            recordsProcessed.initLabelValues(t);
            recordsAccepted.initLabelValues(t);
            duplicateRecords.initLabelValues(t);
        }
    }

    /** How many records of unknown runs a task's stage holds while they wait for their RunStarted. */
    public void waitingRecords(String task, int count) {
        waitingRecords.labelValues(task).set(count);
    }

    /** A LayerStep block seen again: counted per run and layer (when the run has series) and per topic. */
    public void duplicateBlock(String run, String layer, String topic) {
        duplicateRecords.labelValues(topic).inc();
        if (touch(run) != null) {
            duplicateBlocks.labelValues(run, layer).inc();
        }
    }

    /** Steps of a layer given up on because a block never arrived. */
    public void skippedSteps(String run, String layer, int steps) {
        if (touch(run) != null) {
            skippedSteps.labelValues(run, layer).inc(steps);
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
        String run = r.getRunId();
        RunTrack track = touch(run);
        if (track == null) {
            return;
        }
        track.started = true;
        Map<String, String> c = r.getConfig();
        String[] labels = {run, r.getTask(), r.getModel(), r.getRule(), c.getOrDefault("widths", ""),
            c.getOrDefault("activation", ""), c.getOrDefault("learningRate", ""), c.getOrDefault("weightDecay", ""),
            c.getOrDefault("noiseSigma", ""), c.getOrDefault("batchSize", ""), Long.toString(r.getSeed())};
        synchronized (track) {
            if (track.info != null) {
                runInfo.remove(track.info);
            }
            track.info = labels;
            runInfo.addLabelValues(labels);
            List<String> names = new ArrayList<>();
            r.getLayers().forEach(l -> names.add(l.getName()));
            track.layerNames = names;
            if (track.status == null) {
                setStatus(track, run, "running");
            }
        }
        runTotalSteps.labelValues(run).set(r.getTotalSteps());
    }

    public void runFinished(RunFinished r) {
        String run = r.getRunId();
        RunTrack track = touch(run);
        if (track == null) {
            return;
        }
        synchronized (track) {
            setStatus(track, run, r.getStatus().toLowerCase(Locale.ROOT));
            track.finished = true;
        }
        startSweeper();
    }

    /** One StepMetrics record: losses, learning rate, weight norms, the trained step. */
    public void stepMetrics(StepMetrics m) {
        String run = m.getRunId();
        RunTrack track = touch(run);
        if (track == null) {
            return;
        }
        trainLoss.labelValues(run).set(m.getTrainLoss());
        if (m.getValidationLoss() != null) {
            validationLoss.labelValues(run).set(m.getValidationLoss());
        }
        if (m.getValidationAccuracy() != null) {
            validationAccuracy.labelValues(run).set(m.getValidationAccuracy());
        }
        learningRate.labelValues(run).set(m.getLearningRate());
        List<String> names = track.layerNames;
        for (int i = 0; i < m.getWeightNorms().size(); i++) {
            String layer = names != null && i < names.size() ? names.get(i) : "layer" + i;
            weightNorm.labelValues(run, layer).set(m.getWeightNorms().get(i));
        }
        long trained;
        synchronized (track) {
            track.trainedStep = Math.max(track.trainedStep, m.getStep());
            trained = track.trainedStep;
        }
        trainedStep.labelValues(run).set(trained);
        for (Map.Entry<String, LayerTrack> e : track.layers.entrySet()) {
            long analyzed = e.getValue().analyzedStep;
            if (analyzed >= 0) {
                analysisLagSteps.labelValues(run, e.getKey()).set(Math.max(0, trained - analyzed));
            }
        }
    }

    /** Exports one analyzed layer step. {@code signalEwma} holds NaN for neurons never defined. */
    public void layerStepAnalyzed(String runId, String layer, long step, long publishedAtMs, LayerStepAlignment a,
                                  List<Double> layerEwma, double[] signalEwma, Roles roles) {
        RunTrack run = touch(runId);
        if (run == null) {
            return;
        }
        LayerTrack track = run.layers.computeIfAbsent(layer, k -> new LayerTrack());
        for (int s = 0; s < 3; s++) {
            String signal = LayerStepAlignment.SIGNALS[s];
            if (a.layer[s] != null) {
                layerAlignment.labelValues(runId, layer, signal).set(a.layer[s]);
            }
            if (layerEwma.get(s) != null) {
                layerAlignmentEwma.labelValues(runId, layer, signal).set(layerEwma.get(s));
            }
            var histogram = neuronAlignment.labelValues(runId, layer, signal);
            for (int i = 0; i < a.rows; i++) {
                if (a.defined[s][i]) {
                    histogram.observe(a.neuron[s][i]);
                }
            }
            layerNorm.labelValues(runId, layer, TERMS[s]).set(a.norms[s]);
        }
        layerNorm.labelValues(runId, layer, TERMS[3]).set(a.hebbianNorm);

        Spread spread = Spread.of(a.neuron[SIGNAL], a.defined[SIGNAL]);
        if (spread != null) {
            neuronAlignmentQuantile.labelValues(runId, layer, QUANTILES[0]).set(spread.p10());
            neuronAlignmentQuantile.labelValues(runId, layer, QUANTILES[1]).set(spread.p50());
            neuronAlignmentQuantile.labelValues(runId, layer, QUANTILES[2]).set(spread.p90());
            neuronAlignmentMean.labelValues(runId, layer).set(spread.mean());
            neuronAlignmentStddev.labelValues(runId, layer).set(spread.std());
        }

        neuronsByRollingAlignment.set(signalEwma, runId, layer);
        if (perNeuronSeries(a.rows)) {
            for (int i = 0; i < a.rows; i++) {
                if (!Double.isNaN(signalEwma[i])) {
                    neuronAlignmentEwma.labelValues(runId, layer, Integer.toString(i)).set(signalEwma[i]);
                }
            }
        }
        neuronRoles.labelValues(runId, layer, "hebbian").set(roles.hebbian());
        neuronRoles.labelValues(runId, layer, "anti_hebbian").set(roles.antiHebbian());
        neuronRoles.labelValues(runId, layer, "neutral").set(roles.neutral());
        neuronRoles.labelValues(runId, layer, "undefined").set(roles.undefined());

        int flips;
        synchronized (track) {
            flips = track.signFlips(a.neuron[SIGNAL], a.defined[SIGNAL]);
            track.analyzedStep = step;
            if (publishedAtMs > 0) {
                track.stepTimes.put(step, publishedAtMs);
                if (track.stepTimes.size() > STEP_TIMES_KEPT) {
                    track.stepTimes.pollFirstEntry();
                }
            }
        }
        signFlips.labelValues(runId, layer).inc(flips);
        analyzedStep.labelValues(runId, layer).set(step);
        analyzedSteps.labelValues(runId, layer).inc();
        if (publishedAtMs > 0) {
            analysisLag.labelValues(runId, layer).set(Math.max(0, clock.getAsLong() - publishedAtMs) / 1000.0);
        }
        long trained = run.trainedStep;
        if (trained >= 0) {
            analysisLagSteps.labelValues(runId, layer).set(Math.max(0, trained - step));
        }
    }

    /**
     * Exports a detected phase event: a count per kind, the step it refers to, and when that step was trained
     * (from the layer's publish times; the current time when the step is unknown), for dashboard annotations.
     */
    public void phaseDetected(PhaseEvent event) {
        String run = event.getRunId();
        String layer = event.getLayer();
        String kind = event.getKind().name().toLowerCase(Locale.ROOT);
        RunTrack track = touch(run);
        if (track == null) {
            return;
        }
        long whenMs = clock.getAsLong();
        LayerTrack lt = track.layers.get(layer);
        if (lt != null) {
            synchronized (lt) {
                Map.Entry<Long, Long> e = lt.stepTimes.floorEntry(event.getStep());
                if (e == null) {
                    e = lt.stepTimes.ceilingEntry(event.getStep());
                }
                if (e != null) {
                    whenMs = e.getValue();
                }
            }
        }
        phaseEvents.labelValues(run, layer, kind).inc();
        phaseLastStep.labelValues(run, layer, kind).set(event.getStep());
        phaseLastTimestamp.labelValues(run, layer, kind).set(whenMs / 1000.0);
    }

    /** The oscillation detector's share of oscillating neurons in a layer (0..1). */
    public void oscillationShare(String run, String layer, double share) {
        if (touch(run) == null) {
            return;
        }
        oscillatingShare.labelValues(run, layer).set(share);
    }

    // ---------------------------------------------------------------- expiry

    /**
     * Removes every series of the finished runs not updated for the retention time; returns the runs removed. A run
     * whose RunStarted and RunFinished another instance analyzes (several instances share the partitions) is never
     * seen finishing here: its series go once none of its records came for the retention time.
     * Called periodically by a daemon thread once a run has been seen; public for tests.
     */
    public List<String> expireFinishedRuns() {
        long now = clock.getAsLong();
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, RunTrack> e : runs.entrySet()) {
            RunTrack t = e.getValue();
            if ((t.finished || !t.started) && now - t.lastUpdateMs >= finishedRunRetention.toMillis()
                && runs.remove(e.getKey(), t)) {
                removeSeries(e.getKey(), t);
                expired.put(e.getKey(), Boolean.TRUE);
                expiredRuns.inc();
                removed.add(e.getKey());
            }
        }
        return removed;
    }

    private void removeSeries(String run, RunTrack track) {
        for (Map.Entry<StatefulMetric<?, ?>, Integer> m : perRun) {
            int index = m.getValue();
            m.getKey().removeIf(labels -> run.equals(labels.get(index)));
        }
        neuronsByRollingAlignment.removeIf(labels -> run.equals(labels.get(0)));
        synchronized (track) {
            if (track.info != null) {
                runInfo.remove(track.info);
            }
        }
    }

    private synchronized void startSweeper() {
        if (sweeper != null) {
            return;
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hebbscope-metrics-expiry");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, Math.min(30_000, finishedRunRetention.toMillis() / 4));
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                expireFinishedRuns();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(AnalyzerMetrics.class).warn("expiring finished runs failed", e);
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /** The runs that currently have series. */
    public java.util.Set<String> trackedRuns() {
        return java.util.Collections.unmodifiableSet(runs.keySet());
    }

    public Duration finishedRunRetention() {
        return finishedRunRetention;
    }

    @Override
    public synchronized void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- helpers

    public PrometheusRegistry registry() {
        return registry;
    }

    public boolean perNeuronSeries(int width) {
        return width <= maxNeuronSeriesWidth;
    }

    public int maxNeuronSeriesWidth() {
        return maxNeuronSeriesWidth;
    }

    /** The run's track, updated now; null when the run may not have series (as many runs are tracked as allowed). */
    private RunTrack touch(String run) {
        RunTrack t = runs.get(run);
        if (t == null) {
            synchronized (runs) {
                t = runs.get(run);
                if (t == null) {
                    if (runs.size() >= maxTrackedRuns && !makeRoom()) {
                        if (refused.put(run, Boolean.TRUE) == null) {
                            runsNotExported.inc();
                        }
                        return null;
                    }
                    t = new RunTrack();
                    t.finished = expired.containsKey(run); // records of an expired run again: expire them again later
                    t.lastUpdateMs = clock.getAsLong();
                    runs.put(run, t);
                }
            }
            startSweeper();
        }
        t.lastUpdateMs = clock.getAsLong();
        return t;
    }

    /**
     * Removes the series of the least recently updated run that is finished, not started here, or idle for the
     * retention time; false when every tracked run is running and recently updated.
     */
    private boolean makeRoom() {
        long now = clock.getAsLong();
        Map.Entry<String, RunTrack> victim = null;
        for (Map.Entry<String, RunTrack> e : runs.entrySet()) {
            RunTrack t = e.getValue();
            boolean evictable = t.finished || !t.started || now - t.lastUpdateMs >= finishedRunRetention.toMillis();
            if (evictable && (victim == null || t.lastUpdateMs < victim.getValue().lastUpdateMs)) {
                victim = e;
            }
        }
        if (victim == null || !runs.remove(victim.getKey(), victim.getValue())) {
            return false;
        }
        removeSeries(victim.getKey(), victim.getValue());
        expired.put(victim.getKey(), Boolean.TRUE);
        expiredRuns.inc();
        return true;
    }

    private void setStatus(RunTrack track, String run, String status) {
        if (track.status != null) {
            runStatus.remove(run, track.status);
        }
        track.status = status;
        runStatus.labelValues(run, status).set(1);
    }

    private Gauge gauge(String name, String help, String... labels) {
        return perRun(Gauge.builder().name(name).help(help).labelNames(labels).register(registry), 0);
    }

    private Counter counter(String name, String help, String... labels) {
        return perRun(Counter.builder().name(name).help(help).labelNames(labels).register(registry), 0);
    }

    private <M extends StatefulMetric<?, ?>> M perRun(M metric, int runLabelIndex) {
        perRun.add(Map.entry(metric, runLabelIndex));
        return metric;
    }

    private static double[] buckets() {
        double[] b = new double[21];
        for (int i = 0; i <= 20; i++) {
            b[i] = Math.round((-1.0 + 0.1 * i) * 10) / 10.0;
        }
        return b;
    }

    /** The same bounds as the histogram's le labels ("-1.0" ... "1.0", "+Inf"). */
    private static String[] bucketLabels() {
        String[] labels = new String[ALIGNMENT_BUCKETS.length + 1];
        for (int i = 0; i < ALIGNMENT_BUCKETS.length; i++) {
            labels[i] = Double.toString(ALIGNMENT_BUCKETS[i]);
        }
        labels[ALIGNMENT_BUCKETS.length] = "+Inf";
        return labels;
    }

    /** What the metrics remember of a run besides its series. */
    private static final class RunTrack {
        volatile long lastUpdateMs;
        volatile boolean finished;
        /** This instance analyzed the run's RunStarted (it owns the run's partition of the runs topic). */
        volatile boolean started;
        volatile long trainedStep = -1;
        volatile List<String> layerNames;
        String[] info;
        String status;
        final Map<String, LayerTrack> layers = new ConcurrentHashMap<>();
    }

    private static final class LayerTrack {
        volatile long analyzedStep = -1;
        /** Sign of each neuron's last defined per-step signal alignment (-1, 0, 1), null before the first step. */
        byte[] signs;
        final TreeMap<Long, Long> stepTimes = new TreeMap<>();

        int signFlips(double[] alignment, boolean[] defined) {
            if (signs == null || signs.length != alignment.length) {
                signs = new byte[alignment.length];
            }
            int flips = 0;
            for (int i = 0; i < alignment.length; i++) {
                if (!defined[i]) {
                    continue;
                }
                byte sign = (byte) Math.signum(alignment[i]);
                if (sign != 0 && signs[i] != 0 && sign != signs[i]) {
                    flips++;
                }
                if (sign != 0) {
                    signs[i] = sign;
                }
            }
            return flips;
        }
    }

    static String[] bucketLabelsForTest() {
        return Arrays.copyOf(BUCKET_LABELS, BUCKET_LABELS.length);
    }
}
