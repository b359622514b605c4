package io.hebbscope.analyzer.plugin;

import java.util.Map;

/**
 * A plug-in analysis, found with {@link java.util.ServiceLoader}: put a jar on the analyzer's classpath (or in
 * its {@code --plugin-dir}) with the implementation and a {@code META-INF/services/io.hebbscope.analyzer.plugin.AnalyzerPlugin}
 * file naming it.
 *
 * <p>The analyzer calls {@link #analyze} once per assembled layer step, in publish order per (run, layer), live
 * and in replay alike. What it returns goes to the topic {@code <prefix>.plugin.<id>} as a PluginResult keyed
 * runId/layer. A plug-in that throws is isolated: the failure is counted
 * ({@code hebbscope_plugin_failures_total{plugin}}) and logged, the other plug-ins and the analyzer go on.
 * Calls come from the analyzer's stream threads; one instance serves every run and layer of its partitions, so
 * keep per-(run, layer) state in maps keyed by {@code step.runId() + "/" + step.layer()}. Such in-memory state
 * starts afresh when the analyzer restarts; results of a replay from the beginning are identical.
 */
public interface AnalyzerPlugin {

    /** Lower-case letters, digits and '-': names the output topic and the metrics label. */
    String id();

    /** Whether {@link AssembledLayerStep#weights()} is needed (rebuilt from snapshots plus updates). */
    default boolean needsWeights() {
        return false;
    }

    /** Called once before any step: register metrics in the context's registry here. */
    default void init(PluginContext context) {}

    /** Analyzes one layer step; returns named values to publish, or an empty map for nothing. */
    Map<String, Double> analyze(AssembledLayerStep step);
}
