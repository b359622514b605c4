package io.hebbscope.trainer;

/** How a run ended. {@code status} is "completed", "diverged" (non-finite loss) or "interrupted". */
public record RunSummary(String runId, long steps, double finalTrainLoss, Double finalValidationLoss,
                         String status) {}
