package io.hebbscope.trainer;

/**
 * How a run ended. {@code status} is "completed", "diverged" (non-finite loss) or "interrupted".
 * {@code finalValidationAccuracy} is the last measured validation accuracy (classification tasks), else null.
 */
public record RunSummary(String runId, long steps, double finalTrainLoss, Double finalValidationLoss,
                         String status, Double finalValidationAccuracy) {

    /** A summary without validation accuracy. */
    public RunSummary(String runId, long steps, double finalTrainLoss, Double finalValidationLoss, String status) {
        this(runId, steps, finalTrainLoss, finalValidationLoss, status, null);
    }
}
