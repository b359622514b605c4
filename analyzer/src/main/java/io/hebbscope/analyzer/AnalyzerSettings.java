package io.hebbscope.analyzer;

import io.hebbscope.analyzer.detect.DetectorSettings;

/**
 * Tunables of the analysis.
 *
 * @param ewmaAlpha            weight of the newest step in the rolling (EWMA) alignment
 * @param roleThreshold        a neuron is Hebbian above +threshold and anti-Hebbian below -threshold
 * @param maxWaitingSteps      assembled steps held back waiting for an earlier, incomplete step before
 *                             that step is given up on (it lost a block to the dead letters)
 * @param maxNeuronSeriesWidth layers up to this many neurons get per-neuron Prometheus series
 * @param detectors            rolling-window and phase-detector parameters
 * @param admission            which runs are analyzed and how records of unknown runs wait
 */
public record AnalyzerSettings(double ewmaAlpha, double roleThreshold, int maxWaitingSteps, int maxNeuronSeriesWidth,
                               DetectorSettings detectors, AdmissionSettings admission) {
    public static final AnalyzerSettings DEFAULTS = new AnalyzerSettings(0.1, 0.1, 64, 128);

    /** With the default detector and admission settings. */
    public AnalyzerSettings(double ewmaAlpha, double roleThreshold, int maxWaitingSteps, int maxNeuronSeriesWidth) {
        this(ewmaAlpha, roleThreshold, maxWaitingSteps, maxNeuronSeriesWidth, DetectorSettings.DEFAULTS);
    }

    /** With the default admission settings. */
    public AnalyzerSettings(double ewmaAlpha, double roleThreshold, int maxWaitingSteps, int maxNeuronSeriesWidth,
                            DetectorSettings detectors) {
        this(ewmaAlpha, roleThreshold, maxWaitingSteps, maxNeuronSeriesWidth, detectors, AdmissionSettings.DEFAULTS);
    }

    public AnalyzerSettings withDetectors(DetectorSettings d) {
        return new AnalyzerSettings(ewmaAlpha, roleThreshold, maxWaitingSteps, maxNeuronSeriesWidth, d, admission);
    }

    public AnalyzerSettings withAdmission(AdmissionSettings a) {
        return new AnalyzerSettings(ewmaAlpha, roleThreshold, maxWaitingSteps, maxNeuronSeriesWidth, detectors, a);
    }

    public AnalyzerSettings {
        if (!(ewmaAlpha > 0 && ewmaAlpha <= 1)) {
            throw new IllegalArgumentException("ewma alpha must be in (0, 1], got " + ewmaAlpha);
        }
        if (!(roleThreshold >= 0 && roleThreshold < 1)) {
            throw new IllegalArgumentException("role threshold must be in [0, 1), got " + roleThreshold);
        }
        if (maxWaitingSteps < 1) {
            throw new IllegalArgumentException("max waiting steps must be >= 1, got " + maxWaitingSteps);
        }
        if (admission == null) {
            throw new IllegalArgumentException("admission settings must not be null");
        }
        if (detectors == null) {
            throw new IllegalArgumentException("detector settings must not be null");
        }
        if (maxNeuronSeriesWidth < 0) {
            throw new IllegalArgumentException("per-neuron series width must be >= 0, got " + maxNeuronSeriesWidth);
        }
    }
}
