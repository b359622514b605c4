package io.hebbscope.cli;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.plugin.AnalyzerPlugin;
import io.hebbscope.analyzer.plugin.Plugins;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options of the analyzer and its metrics endpoint. */
final class AnalysisOptions {
    @Option(names = "--plugins", split = ",", paramLabel = "ID", defaultValue = "all",
        description = "Plug-in analyzers to run: ids, 'all' (every installed one: stationarity, gradient-alignment, ...) or 'none' (default: ${DEFAULT-VALUE}).")
    List<String> plugins;

    @Option(names = "--plugin-dir", paramLabel = "DIR", description = "Also load plug-in jars from this directory.")
    Path pluginDir;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1",
        description = "Interface of the Prometheus endpoint (default: ${DEFAULT-VALUE}; 0.0.0.0 to expose it).")
    String metricsHost;

    @Option(names = "--metrics-port", defaultValue = "9400",
        description = "Port of the Prometheus endpoint; 0 picks a free one, -1 disables it (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--ewma-alpha", defaultValue = "0.1", description = "Weight of the newest step in rolling alignment (default: ${DEFAULT-VALUE}).")
    double ewmaAlpha;

    @Option(names = "--role-threshold", defaultValue = "0.1",
        description = "Neurons are Hebbian above +T, anti-Hebbian below -T of rolling alignment (default: ${DEFAULT-VALUE}).")
    double roleThreshold;

    @Option(names = "--max-neuron-series", defaultValue = "128",
        description = "Per-neuron metrics only for layers up to this width (default: ${DEFAULT-VALUE}).")
    int maxNeuronSeries;

    @Option(names = "--expire-runs-after", defaultValue = "600", paramLabel = "SECONDS",
        description = "Remove a finished run's metric series this long after their last update (default: ${DEFAULT-VALUE}).")
    long expireRunsAfter;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of created topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    /** How long finished runs' series stay; validated by {@link #settings}. */
    java.time.Duration finishedRunRetention() {
        return java.time.Duration.ofSeconds(expireRunsAfter);
    }

    /** The selected plug-ins, discovered on the classpath and in --plugin-dir. */
    List<AnalyzerPlugin> plugins(CommandLine cmd) {
        ClassLoader loader = AnalysisOptions.class.getClassLoader();
        if (pluginDir != null) {
            try {
                loader = Plugins.withJarsIn(pluginDir, loader);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(cmd, "--plugin-dir: " + e.getMessage());
            }
        }
        try {
            return Plugins.select(Plugins.discover(loader), plugins);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }

    AnalyzerSettings settings(CommandLine cmd) {
        if (expireRunsAfter < 0) {
            throw new CommandLine.ParameterException(cmd, "--expire-runs-after must be >= 0 seconds, got " + expireRunsAfter);
        }
        if (metricsPort < -1 || metricsPort > 65535) {
            throw new CommandLine.ParameterException(cmd, "--metrics-port must be -1..65535, got " + metricsPort);
        }
        if (partitions < 1) {
            throw new CommandLine.ParameterException(cmd, "--partitions must be >= 1, got " + partitions);
        }
        try {
            return new AnalyzerSettings(ewmaAlpha, roleThreshold, AnalyzerSettings.DEFAULTS.maxWaitingSteps(), maxNeuronSeries);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }
}
