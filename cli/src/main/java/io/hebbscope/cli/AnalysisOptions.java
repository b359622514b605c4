package io.hebbscope.cli;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.detect.DetectorSettings;
import io.hebbscope.analyzer.plugin.AnalyzerPlugin;
import io.hebbscope.analyzer.plugin.Plugins;
import io.hebbscope.analyzer.metrics.MetricsAuth;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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

    @Option(names = "--metrics-auth", paramLabel = "FILE",
        description = "Require HTTP basic authentication on the Prometheus endpoint: USER=PASSWORD lines (properties) "
            + "of who may scrape (see docs/security.md).")
    Path metricsAuthFile;

    @Option(names = "--ewma-alpha", defaultValue = "0.1", description = "Weight of the newest step in rolling alignment (default: ${DEFAULT-VALUE}).")
    double ewmaAlpha;

    @Option(names = "--role-threshold", defaultValue = "0.1",
        description = "Neurons are Hebbian above +T, anti-Hebbian below -T of rolling alignment (default: ${DEFAULT-VALUE}).")
    double roleThreshold;

    @Option(names = "--max-neuron-series", defaultValue = "128",
        description = "Per-neuron metrics only for layers up to this width (default: ${DEFAULT-VALUE}).")
    int maxNeuronSeries;

    @Option(names = "--window", defaultValue = "32",
        description = "Per-neuron window of the last N steps; also the oscillation and stationarity window (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--role-persistence", defaultValue = "20",
        description = "A neuron holding an update role this many steps counts as persistent (default: ${DEFAULT-VALUE}).")
    int rolePersistence;

    @Option(names = "--bump-min-rise", defaultValue = "0.2",
        description = "Bump: minimal height of the smoothed signal alignment above its baseline (default: ${DEFAULT-VALUE}).")
    double bumpMinRise;

    @Option(names = "--bump-half-width", defaultValue = "8",
        description = "Bump: half width h of the centred moving average (2h+1 steps) (default: ${DEFAULT-VALUE}).")
    int bumpHalfWidth;

    @Option(names = "--phase-window", defaultValue = "32",
        description = "Phase change: compare mean |alignment| over the last W steps with the W before (default: ${DEFAULT-VALUE}).")
    int phaseWindow;

    @Option(names = "--phase-min-ratio", defaultValue = "2.0",
        description = "Phase change: minimal ratio of the two magnitudes (default: ${DEFAULT-VALUE}).")
    double phaseMinRatio;

    @Option(names = "--oscillation-strong", defaultValue = "0.5",
        description = "Oscillation: |cos(U_i, H_i)| from which an update is strongly (anti-)Hebbian (default: ${DEFAULT-VALUE}).")
    double oscStrong;

    @Option(names = "--oscillation-min-flips", defaultValue = "4",
        description = "Oscillation: sign flips of strong updates per window for a neuron to oscillate (default: ${DEFAULT-VALUE}).")
    int oscMinFlips;

    @Option(names = "--oscillation-min-share", defaultValue = "0.25",
        description = "Oscillation: share of oscillating neurons for the layer to oscillate (default: ${DEFAULT-VALUE}).")
    double oscMinShare;

    @Option(names = "--stationarity-max-ratio", defaultValue = "0.35",
        description = "Stationarity: bound on |sum U| / sum |U| over the window (default: ${DEFAULT-VALUE}).")
    double statMaxRatio;

    @Option(names = "--stationarity-max-norm-change", defaultValue = "0.02",
        description = "Stationarity: bound on the relative change of |W| over the window (default: ${DEFAULT-VALUE}).")
    double statMaxNormChange;

    @Option(names = "--stationarity-steps", defaultValue = "16",
        description = "Stationarity: consecutive steps both bounds must hold (default: ${DEFAULT-VALUE}).")
    int statSteps;

    @Option(names = "--expire-runs-after", defaultValue = "600", paramLabel = "SECONDS",
        description = "Remove a finished run's metric series this long after their last update (default: ${DEFAULT-VALUE}).")
    long expireRunsAfter;

    @Option(names = "--unknown-run-grace", defaultValue = "2m", paramLabel = "DURATION", converter = DurationOption.class,
        description = "How long records of a run without a valid RunStarted wait for it before they go to the dead letters "
            + "as unknown_run (500ms, 90s, 2m, 1h; default: ${DEFAULT-VALUE}).")
    java.time.Duration unknownRunGrace;

    @Option(names = "--max-active-runs", defaultValue = "100", paramLabel = "N",
        description = "Runs tracked at once (admitted, neither finished nor idle); a RunStarted beyond it goes to the dead "
            + "letters as too_many_runs. Also the most runs with metric series (default: ${DEFAULT-VALUE}).")
    int maxActiveRuns;

    @Option(names = "--max-waiting-records", defaultValue = "10000", paramLabel = "N",
        description = "Records of unknown runs kept per task while they wait; beyond it the oldest goes to the dead letters "
            + "(default: ${DEFAULT-VALUE}).")
    int maxWaitingRecords;

    @Option(names = "--run-idle-timeout", defaultValue = "1h", paramLabel = "DURATION", converter = DurationOption.class,
        description = "An unfinished run without RunStarted or StepMetrics for this long (record time) stops counting as "
            + "active (default: ${DEFAULT-VALUE}).")
    java.time.Duration runIdleTimeout;

    static final int DEFAULT_PARTITIONS = 4;

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of created topics (default: "
        + DEFAULT_PARTITIONS + "; demo: one per stream thread).")
    Integer partitions;

    @Option(names = "--stream-threads", defaultValue = "" + Analyzer.DEFAULT_STREAM_THREADS, paramLabel = "N",
        description = "Kafka Streams threads of this analyzer; its tasks (four per partition) are spread over them: more "
            + "than one pays off with more than 2 cores (default: ${DEFAULT-VALUE}).")
    int streamThreads;

    /** Partitions of created topics: as given, or {@link #DEFAULT_PARTITIONS}. */
    int partitions() {
        return partitions(DEFAULT_PARTITIONS);
    }

    /** Partitions of created topics: as given, or the command's own default. */
    int partitions(int commandDefault) {
        return partitions != null ? partitions : commandDefault;
    }

    /** How long finished runs' series stay; validated by {@link #settings}. */
    java.time.Duration finishedRunRetention() {
        return java.time.Duration.ofSeconds(expireRunsAfter);
    }

    /** Who may scrape the metrics endpoint (--metrics-auth), or null: anyone who reaches it. Bad files: exit code 2. */
    MetricsAuth metricsAuth(CommandLine cmd) {
        if (metricsAuthFile == null) {
            return null;
        }
        String where = "--metrics-auth " + metricsAuthFile + ": ";
        if (!Files.isRegularFile(metricsAuthFile)) {
            throw new CommandLine.ParameterException(cmd, where + "file not found");
        }
        Properties users = new Properties();
        try (Reader r = Files.newBufferedReader(metricsAuthFile, StandardCharsets.UTF_8)) {
            users.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, where + "cannot read it: " + e.getMessage());
        }
        if (users.isEmpty()) {
            throw new CommandLine.ParameterException(cmd, where + "no USER=PASSWORD line: name at least one user who may scrape");
        }
        Map<String, String> map = new TreeMap<>();
        users.stringPropertyNames().forEach(u -> map.put(u.trim(), users.getProperty(u).trim()));
        try {
            return MetricsAuth.of(map);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, where + e.getMessage());
        }
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

    private io.hebbscope.analyzer.AdmissionSettings admission() {
        if (unknownRunGrace.isNegative()) {
            throw new IllegalArgumentException("--unknown-run-grace must be >= 0, got " + unknownRunGrace);
        }
        if (maxActiveRuns < 1) {
            throw new IllegalArgumentException("--max-active-runs must be >= 1, got " + maxActiveRuns);
        }
        if (maxWaitingRecords < 1) {
            throw new IllegalArgumentException("--max-waiting-records must be >= 1, got " + maxWaitingRecords);
        }
        if (runIdleTimeout.isNegative() || runIdleTimeout.isZero()) {
            throw new IllegalArgumentException("--run-idle-timeout must be > 0, got " + runIdleTimeout);
        }
        return new io.hebbscope.analyzer.AdmissionSettings(unknownRunGrace, maxActiveRuns, maxWaitingRecords, runIdleTimeout);
    }

    AnalyzerSettings settings(CommandLine cmd) {
        if (expireRunsAfter < 0) {
            throw new CommandLine.ParameterException(cmd, "--expire-runs-after must be >= 0 seconds, got " + expireRunsAfter);
        }
        if (metricsPort < -1 || metricsPort > 65535) {
            throw new CommandLine.ParameterException(cmd, "--metrics-port must be -1..65535, got " + metricsPort);
        }
        if (partitions != null && partitions < 1) {
            throw new CommandLine.ParameterException(cmd, "--partitions must be >= 1, got " + partitions);
        }
        if (streamThreads < 1 || streamThreads > 64) {
            throw new CommandLine.ParameterException(cmd, "--stream-threads must be 1..64, got " + streamThreads);
        }
        try {
            DetectorSettings d = DetectorSettings.DEFAULTS;
            DetectorSettings detectors = new DetectorSettings(window, rolePersistence, bumpHalfWidth, bumpMinRise,
                d.bumpNoiseFactor(), d.bumpPeakDrop(), d.bumpEndLevel(), phaseWindow, phaseMinRatio, d.phaseMinShift(),
                d.phaseZ(), oscStrong, oscMinFlips, oscMinShare, Math.min(d.oscExitShare(), oscMinShare), statMaxRatio,
                statMaxNormChange, statSteps);
            return new AnalyzerSettings(ewmaAlpha, roleThreshold, AnalyzerSettings.DEFAULTS.maxWaitingSteps(), maxNeuronSeries,
                detectors, admission());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }
}
