package io.hebbscope.analyzer;

import java.time.Duration;

/**
 * Which runs the analyzer takes on, and how much it keeps for records of runs it does not know.
 *
 * @param unknownRunGrace   how long a record of a run without a valid RunStarted waits for it (wall clock) before it
 *                          goes to the dead letters as {@code unknown_run}
 * @param maxActiveRuns     runs tracked at once: admitted and neither finished nor idle; a RunStarted beyond it goes
 *                          to the dead letters as {@code too_many_runs}. Also bounds the runs with metric series.
 * @param maxWaitingRecords records of unknown runs kept per task while they wait; beyond it the oldest goes to the dead
 *                          letters at once
 * @param runIdleTimeout    an unfinished run whose RunStarted / StepMetrics stopped this long ago (record time) no
 *                          longer counts as active (a trainer that died without RunFinished)
 */
public record AdmissionSettings(Duration unknownRunGrace, int maxActiveRuns, int maxWaitingRecords, Duration runIdleTimeout) {
    public static final AdmissionSettings DEFAULTS =
        new AdmissionSettings(Duration.ofMinutes(2), 100, 10_000, Duration.ofHours(1));

    public AdmissionSettings {
        if (unknownRunGrace == null || unknownRunGrace.isNegative()) {
            throw new IllegalArgumentException("unknown-run grace must be >= 0, got " + unknownRunGrace);
        }
        if (maxActiveRuns < 1) {
            throw new IllegalArgumentException("max active runs must be >= 1, got " + maxActiveRuns);
        }
        if (maxWaitingRecords < 1) {
            throw new IllegalArgumentException("max waiting records must be >= 1, got " + maxWaitingRecords);
        }
        if (runIdleTimeout == null || runIdleTimeout.isNegative() || runIdleTimeout.isZero()) {
            throw new IllegalArgumentException("run idle timeout must be > 0, got " + runIdleTimeout);
        }
    }

    public AdmissionSettings withUnknownRunGrace(Duration grace) {
        return new AdmissionSettings(grace, maxActiveRuns, maxWaitingRecords, runIdleTimeout);
    }

    public AdmissionSettings withMaxActiveRuns(int max) {
        return new AdmissionSettings(unknownRunGrace, max, maxWaitingRecords, runIdleTimeout);
    }

    public AdmissionSettings withMaxWaitingRecords(int max) {
        return new AdmissionSettings(unknownRunGrace, maxActiveRuns, max, runIdleTimeout);
    }
}
