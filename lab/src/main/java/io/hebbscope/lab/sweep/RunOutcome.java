package io.hebbscope.lab.sweep;

import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainingListener;

/** Watches one sweep run for what the results table needs beyond the analyzer's alignment. */
public final class RunOutcome implements TrainingListener {
    /** A collapsed run's validation loss is at least this fraction of the better trivial baseline's. */
    public static final double BASELINE_FRACTION = 0.95;
    /** ... and some layer's weight norm has fallen to at most this fraction of its initial norm. */
    public static final double SHRUNK_RATIO = 0.5;
    /** A layer whose norm fell below this fraction of its initial norm has collapsed whatever the loss. */
    public static final double ZERO_RATIO = 0.01;

    private double[] initialNorms;
    private double[] finalNorms;
    private RunInfo run;
    private RunSummary summary;
    private Trainer.Baselines baselines;
    private boolean converged;

    @Override
    public void onRunStart(RunInfo run) {
        this.run = run;
    }

    @Override
    public void onStep(StepRecord step) {
        if (initialNorms == null) {
            initialNorms = step.weightNorms().clone();
        }
        finalNorms = step.weightNorms().clone();
    }

    @Override
    public void onRunEnd(RunSummary summary) {
        this.summary = summary;
    }

    /** What the trainer knows after the run: the task's trivial baselines and whether it converged. */
    public void finished(Trainer.Baselines baselines, boolean converged) {
        this.baselines = baselines;
        this.converged = converged;
    }

    public RunInfo run() {
        return run;
    }

    public RunSummary summary() {
        return summary;
    }

    /** The task's trivial baselines, or null when not given. */
    public Trainer.Baselines baselines() {
        return baselines;
    }

    public boolean converged() {
        return converged;
    }

    /** Epochs trained, or null before the run ended. */
    public Integer epochs() {
        if (summary == null || run == null) {
            return null;
        }
        return (int) ((summary.steps() + run.stepsPerEpoch() - 1) / run.stepsPerEpoch());
    }

    /** A layer's final weight norm over its norm after the first step, or null when unknown. */
    public Double normRatio(int layer) {
        if (initialNorms == null || finalNorms == null || layer >= initialNorms.length || initialNorms[layer] == 0) {
            return null;
        }
        return finalNorms[layer] / initialNorms[layer];
    }

    /**
     * Whether the run collapsed, the paper's "–" ("weights collapsed to zero"): it did not complete (diverged,
     * interrupted, not finished); or some layer's weight norm fell below {@link #ZERO_RATIO} of its initial norm;
     * or the model predicts no better than a trivial baseline (validation loss at least {@link #BASELINE_FRACTION}
     * of the lower of predicting the mean training target and predicting zero) while the weights were driven down
     * (some layer's norm at most {@link #SHRUNK_RATIO} of its initial norm). A model that merely fails to learn with
     * weights of undiminished size is not collapsed.
     */
    public boolean collapsed() {
        if (summary == null || !"completed".equals(summary.status()) || finalNorms == null) {
            return true;
        }
        double smallest = Double.POSITIVE_INFINITY;
        for (int l = 0; l < finalNorms.length; l++) {
            Double r = normRatio(l);
            if (r != null) {
                smallest = Math.min(smallest, r);
            }
        }
        if (smallest < ZERO_RATIO) {
            return true;
        }
        Double loss = summary.finalValidationLoss();
        return baselines != null && loss != null && loss >= BASELINE_FRACTION * baselines.best()
            && smallest <= SHRUNK_RATIO;
    }
}
