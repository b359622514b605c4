package io.hebbscope.lab.report;

/**
 * One row of a sweep's results: one run and one layer. Alignments are the mean over the last epoch's steps of the
 * layer alignment, null where undefined; {@code validationAccuracy} is null for regression; {@code validationLoss}
 * is null where the file leaves it empty (a diverged run). {@code weightNormRatio} is the layer's final weight norm
 * over its norm after the first step, {@code baselineLoss} the validation loss of the better trivial predictor
 * (the mean training target, or zero), {@code epochs} the epochs trained and {@code converged} whether the run
 * stopped at a plateau ({@code --until-converged}); these four are null in files written before they existed.
 * {@code collapsed} is the paper's "–" (see {@code RunOutcome#collapsed}).
 */
public record SweepRow(String runId, String model, String rule, double weightDecay, double noise, double learningRate,
                       long seed, String layer, Double alignmentGradient, Double alignmentSignal, Double alignmentUpdate,
                       Double validationLoss, Double validationAccuracy, boolean collapsed, Double weightNormRatio,
                       Double baselineLoss, Integer epochs, Boolean converged) {

    /** A row without the norm ratio, baseline, epochs and convergence (files of the first format). */
    public SweepRow(String runId, String model, String rule, double weightDecay, double noise, double learningRate,
                    long seed, String layer, Double alignmentGradient, Double alignmentSignal, Double alignmentUpdate,
                    Double validationLoss, Double validationAccuracy, boolean collapsed) {
        this(runId, model, rule, weightDecay, noise, learningRate, seed, layer, alignmentGradient, alignmentSignal,
            alignmentUpdate, validationLoss, validationAccuracy, collapsed, null, null, null, null);
    }
}
