package io.hebbscope.lab.report;

/**
 * One row of a sweep's results: one run and one layer. Alignments are the mean over the last epoch's steps of the
 * layer alignment, null where undefined; {@code validationAccuracy} is null for regression; {@code validationLoss}
 * is null where the file leaves it empty (a diverged run).
 */
public record SweepRow(String runId, String model, String rule, double weightDecay, double noise, double learningRate,
                       long seed, String layer, Double alignmentGradient, Double alignmentSignal, Double alignmentUpdate,
                       Double validationLoss, Double validationAccuracy, boolean collapsed) {}
