package io.hebbscope.analyzer.detect;

/**
 * Parameters of the rolling statistics and the phase detectors; {@link #DEFAULTS} are the documented
 * defaults (README, "Phase detectors"). All lengths count analyzed steps (published steps of a layer).
 *
 * @param window             N: per-neuron window of the last N steps of each alignment signal; also the
 *                           oscillation and stationarity window
 * @param rolePersistSteps   a neuron holding a Hebbian or anti-Hebbian update role at least this long is persistent
 * @param bumpHalfWidth      h: the bump detector smooths the layer signal alignment with a centred moving
 *                           average of 2h+1 steps (decisions lag by h steps)
 * @param bumpMinRise        minimal bump height (alignment units) above the baseline
 * @param bumpNoiseFactor    ... and at least this many standard errors of the smoothed series
 * @param bumpPeakDrop       the peak is confirmed when the smoothed series has fallen this fraction of the height
 * @param bumpEndLevel       the bump ends when the smoothed series is back below baseline + this fraction of the height
 * @param phaseWindow        W: the phase-change detector compares the mean |alignment| of the last W steps with the W before
 * @param phaseMinRatio      ... and reports a change when one is at least this many times the other
 * @param phaseMinShift      ... and they differ by at least this much (alignment units)
 * @param phaseZ             ... and by at least this many standard errors
 * @param oscStrong          |cos(U_i, H_i)| at or above this is a strongly (anti-)Hebbian update
 * @param oscMinFlips        a neuron oscillates when its strong updates change sign at least this often in the window
 * @param oscMinShare        the layer oscillates when at least this share of its neurons oscillate
 * @param oscExitShare       ... and stops when the share falls below this (re-arming the detector)
 * @param statMaxMeanRatio   stationary when |sum U| / sum |U| over the window is at most this
 * @param statMaxNormChange  ... and |W| changed by at most this fraction over the window
 * @param statMinSteps       ... for this many consecutive steps
 */
public record DetectorSettings(int window, int rolePersistSteps, int bumpHalfWidth, double bumpMinRise,
                               double bumpNoiseFactor, double bumpPeakDrop, double bumpEndLevel, int phaseWindow,
                               double phaseMinRatio, double phaseMinShift, double phaseZ, double oscStrong,
                               int oscMinFlips, double oscMinShare, double oscExitShare, double statMaxMeanRatio,
                               double statMaxNormChange, int statMinSteps) {

    public static final DetectorSettings DEFAULTS = new DetectorSettings(32, 20, 8, 0.2, 7.0, 0.5, 0.25, 32, 2.0, 0.15,
        5.0, 0.5, 4, 0.25, 0.15, 0.35, 0.02, 16);

    public DetectorSettings {
        require(window >= 4 && window <= 1024, "window must be 4..1024, got " + window);
        require(rolePersistSteps >= 1, "role persistence must be >= 1 step, got " + rolePersistSteps);
        require(bumpHalfWidth >= 0 && bumpHalfWidth <= 256, "bump half width must be 0..256, got " + bumpHalfWidth);
        require(bumpMinRise > 0 && bumpMinRise <= 2, "bump minimal rise must be in (0, 2], got " + bumpMinRise);
        require(bumpNoiseFactor >= 0, "bump noise factor must be >= 0, got " + bumpNoiseFactor);
        require(bumpPeakDrop > 0 && bumpPeakDrop < 1, "bump peak drop must be in (0, 1), got " + bumpPeakDrop);
        require(bumpEndLevel >= 0 && bumpEndLevel < 1 - bumpPeakDrop + 1e-12,
            "bump end level must be in [0, 1 - peak drop], got " + bumpEndLevel);
        require(phaseWindow >= 4 && phaseWindow <= 1024, "phase window must be 4..1024, got " + phaseWindow);
        require(phaseMinRatio > 1, "phase minimal ratio must be > 1, got " + phaseMinRatio);
        require(phaseMinShift >= 0 && phaseZ >= 0, "phase shift and z must be >= 0");
        require(oscStrong > 0 && oscStrong < 1, "strong alignment threshold must be in (0, 1), got " + oscStrong);
        require(oscMinFlips >= 1 && oscMinFlips < window, "oscillation flips must be 1..window-1, got " + oscMinFlips);
        require(oscMinShare > 0 && oscMinShare <= 1 && oscExitShare >= 0 && oscExitShare <= oscMinShare,
            "oscillation shares must satisfy 0 <= exit <= min <= 1");
        require(statMaxMeanRatio > 0 && statMaxMeanRatio < 1, "stationarity mean ratio must be in (0, 1)");
        require(statMaxNormChange > 0, "stationarity norm change must be > 0");
        require(statMinSteps >= 1, "stationarity steps must be >= 1");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public DetectorSettings withWindow(int n) {
        return new DetectorSettings(n, rolePersistSteps, bumpHalfWidth, bumpMinRise, bumpNoiseFactor, bumpPeakDrop,
            bumpEndLevel, phaseWindow, phaseMinRatio, phaseMinShift, phaseZ, oscStrong, Math.min(oscMinFlips, n - 1),
            oscMinShare, oscExitShare, statMaxMeanRatio, statMaxNormChange, statMinSteps);
    }
}
