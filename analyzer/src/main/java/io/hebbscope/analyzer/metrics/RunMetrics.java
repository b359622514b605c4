package io.hebbscope.analyzer.metrics;

import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Per run: its configuration and status (from the runs topic), and what the trainer reports of its training. */
public final class RunMetrics {
    public final Info runInfo;
    public final Gauge runStatus;
    public final Gauge runTotalSteps;
    public final Gauge trainedStep;
    public final Gauge trainLoss;
    public final Gauge validationLoss;
    public final Gauge validationAccuracy;
    public final Gauge learningRate;
    public final Gauge weightNorm;

    RunMetrics(SeriesLifecycle series) {
        Info info = Info.builder().name("hebbscope_run")
            .help("One series per run with its configuration as labels (value 1); join on run for sweeps")
            .labelNames("run", "task", "model", "rule", "widths", "activation", "learning_rate", "weight_decay", "noise",
                "batch_size", "seed")
            .build();
        runInfo = series.perRun(info, (run, track) -> {
            synchronized (track) {
                if (track.info != null) {
                    info.remove(track.info);
                }
            }
        });
        runStatus = series.perRun(Gauge.builder().name("hebbscope_run_status")
            .help("1 for the run's current status: running, completed, diverged or interrupted")
            .labelNames("run", "status").build());
        runTotalSteps = series.perRun(Gauge.builder().name("hebbscope_run_total_steps")
            .help("Steps the run is configured to train").labelNames("run").build());
        trainedStep = series.perRun(Gauge.builder().name("hebbscope_trained_step")
            .help("Last training step reported by the trainer").labelNames("run").build());
        trainLoss = series.perRun(Gauge.builder().name("hebbscope_train_loss")
            .help("Training loss of the last step's batch").labelNames("run").build());
        validationLoss = series.perRun(Gauge.builder().name("hebbscope_validation_loss")
            .help("Validation loss at the last evaluation").labelNames("run").build());
        validationAccuracy = series.perRun(Gauge.builder().name("hebbscope_validation_accuracy")
            .help("Validation accuracy (0..1) at the last evaluation; classification tasks only").labelNames("run").build());
        learningRate = series.perRun(Gauge.builder().name("hebbscope_learning_rate")
            .help("Learning rate of the last step").labelNames("run").build());
        weightNorm = series.perRun(Gauge.builder().name("hebbscope_weight_norm")
            .help("Frobenius norm of a layer's weights after the last step").labelNames("run", "layer").build());
    }

    /** The run's RunStarted: its configuration as labels, its layers' names, status running unless known already. */
    void started(RunStarted r, RunTrack track) {
        String run = r.getRunId();
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

    /** The run's current status (lower case), replacing the previous one. */
    void status(RunTrack track, String run, String status) {
        synchronized (track) {
            setStatus(track, run, status);
        }
    }

    /** One StepMetrics record; returns the largest trained step seen of the run. */
    long stepMetrics(StepMetrics m, RunTrack track) {
        String run = m.getRunId();
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
        return trained;
    }

    private void setStatus(RunTrack track, String run, String status) {
        if (track.status != null) {
            runStatus.remove(run, track.status);
        }
        track.status = status;
        runStatus.labelValues(run, status).set(1);
    }
}
