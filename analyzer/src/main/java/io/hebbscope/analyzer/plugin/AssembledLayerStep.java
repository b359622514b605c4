package io.hebbscope.analyzer.plugin;

import io.hebbscope.schema.RunStarted;

/**
 * One layer at one step with every block assembled: all matrices rows x cols, row-major.
 *
 * @param signal  the learning signal g; equal to -gradient when the rule is SGD (then {@code signalIsNegativeGradient})
 * @param weights W(step) before the update, rebuilt from the log, when the plug-in asked for it and the log allows
 *                it (a snapshot at or before this step and every update since); otherwise null
 * @param outputSquareMean per neuron the batch mean of h_i² (what Oja's rule needs), or null when the trainer did
 *                not publish it
 * @param run     the run's RunStarted (config, layer shapes), or null when it has not been seen
 */
public record AssembledLayerStep(String runId, String layer, int layerIndex, long step, int epoch, int rows, int cols,
                                 float[] gradient, float[] signal, boolean signalIsNegativeGradient, float[] hebbian,
                                 float[] update, double[] weights, float[] outputSquareMean, RunStarted run) {

    /** A run option from RunStarted's config (e.g. "weightDecay"), or {@code fallback}. */
    public String config(String key, String fallback) {
        return run == null ? fallback : run.getConfig().getOrDefault(key, fallback);
    }
}
