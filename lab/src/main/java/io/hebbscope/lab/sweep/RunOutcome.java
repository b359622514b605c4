package io.hebbscope.lab.sweep;

import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.TrainingListener;

/** Watches one sweep run for what the results table needs beyond the analyzer's alignment. */
public final class RunOutcome implements TrainingListener {
    private double[] initialNorms;
    private double[] finalNorms;
    private RunInfo run;
    private RunSummary summary;

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

    public RunInfo run() {
        return run;
    }

    public RunSummary summary() {
        return summary;
    }

    /**
     * Whether a layer's weights collapsed to zero (the paper's "–"): its final norm is below 1% of its norm after
     * the first step, or training diverged.
     */
    public boolean collapsed(int layer) {
        if (summary == null || !"completed".equals(summary.status()) || finalNorms == null) {
            return true;
        }
        return finalNorms[layer] < 0.01 * initialNorms[layer];
    }
}
