package io.hebbscope.lab.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The collapse test on hand-made runs: norms, final validation loss and the trivial baselines. */
class RunOutcomeTest {
    private static RunOutcome run(double[] first, double[] last, String status, Double validation, Trainer.Baselines b) {
        RunOutcome o = new RunOutcome();
        o.onRunStart(new RunInfo("r", 1, "sre", "mlp", "adam", Map.of(), List.of(), 10, 200));
        o.onStep(new StepRecord(0, 0, 1.0, null, 0.01, first, List.of()));
        o.onStep(new StepRecord(199, 19, 1.0, validation, 0.01, last, List.of()));
        o.onRunEnd(new RunSummary("r", 200, 1.0, validation, status));
        o.finished(b, false);
        return o;
    }

    private static final Trainer.Baselines BASE = new Trainer.Baselines(0.040, 0.050); // best 0.040

    @Test
    void collapsedWhenTheModelPredictsTheBaselineWithShrunkWeights() {
        // Norm twelvefold down, validation loss at 97.5% of the better baseline: collapsed.
        RunOutcome adam = run(new double[] {6.5, 6.5, 3}, new double[] {0.54, 0.54, 1.0}, "completed", 0.039, BASE);
        assertThat(adam.collapsed()).isTrue();
        assertThat(adam.normRatio(0)).isEqualTo(0.54 / 6.5);
        assertThat(adam.epochs()).isEqualTo(20);
    }

    @Test
    void notCollapsedWhenItLearnsOrKeepsItsWeights() {
        // Shrunk but learned (loss well below the baseline).
        assertThat(run(new double[] {6.5}, new double[] {0.54}, "completed", 0.01, BASE).collapsed()).isFalse();
        // At the baseline but weights of undiminished size: fails to learn, not collapsed (Hebb, RandomNN).
        assertThat(run(new double[] {6.5}, new double[] {6.0}, "completed", 0.045, BASE).collapsed()).isFalse();
        // Without baselines only the 1% rule and the status count.
        assertThat(run(new double[] {6.5}, new double[] {0.54}, "completed", 0.045, null).collapsed()).isFalse();
    }

    @Test
    void collapsedWhenANormVanishesOrTheRunDidNotComplete() {
        assertThat(run(new double[] {6.5, 3}, new double[] {0.06, 3}, "completed", 0.01, BASE).collapsed()).isTrue();
        assertThat(run(new double[] {6.5}, new double[] {6.5}, "diverged", null, BASE).collapsed()).isTrue();
        assertThat(new RunOutcome().collapsed()).isTrue();
        assertThat(new RunOutcome().normRatio(0)).isNull();
    }
}
