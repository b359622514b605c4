package io.hebbscope.cli;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The trainer-side publish time of every published step the analysis has not reached yet, for the live view's
 * analysis lag: how far behind the newest published step the analysis is, in steps and in seconds.
 *
 * <p>Seconds are measured as now minus the publish time of the oldest published step not analyzed yet, so the
 * lag keeps growing while the analyzer is stalled, and is 0 once it has caught up. (The time from a step's publish
 * to its analysis, as {@code hebbscope_analysis_lag_seconds} measures it, only changes when a step is analyzed.)
 * Both clocks are this process's, so trainer and analyzer clocks need not agree. Thread-safe.
 */
final class PublishedSteps {
    /** How far behind the analysis is; {@code steps} counts training steps, unpublished ones included. */
    record Lag(long steps, double seconds) {
        boolean caughtUp() {
            return steps == 0;
        }
    }

    private final NavigableMap<Long, Long> publishedAtMs = new TreeMap<>();
    private long newest = -1;

    synchronized void published(long step, long atMs) {
        publishedAtMs.put(step, atMs);
        newest = Math.max(newest, step);
    }

    /** The newest published step, -1 before the first. */
    synchronized long newest() {
        return newest;
    }

    /**
     * The lag when the analysis has finished every step up to {@code analyzedStep} (-1: none yet), at {@code nowMs};
     * forgets the publish times of analyzed steps.
     */
    synchronized Lag lag(long analyzedStep, long nowMs) {
        publishedAtMs.headMap(analyzedStep, true).clear();
        Map.Entry<Long, Long> next = publishedAtMs.firstEntry();
        if (next == null) {
            return new Lag(0, 0);
        }
        return new Lag(newest - analyzedStep, Math.max(0, nowMs - next.getValue()) / 1000.0);
    }
}
