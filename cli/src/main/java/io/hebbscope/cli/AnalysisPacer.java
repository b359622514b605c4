package io.hebbscope.cli;

import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.TrainingListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Flow control for a trainer that shares its CPU cores with the analyzer (the demo, or both on one small machine):
 * when the analysis falls more than {@code maxLag} behind the published steps, the training thread waits until it is
 * back within half of that. Left alone on two cores, the trainer's threads take the CPU and the analyzer, which keeps
 * up with a trainer at its full pace on cores of its own, falls ever further behind; held like this, both share the
 * machine and the analysis stays live.
 *
 * <p>Stops holding the training (and says so, once) when the analysis has not advanced for {@code stallAfter}: no
 * analyzer is following this run.
 */
final class AnalysisPacer implements TrainingListener {
    private static final long POLL_MS = 5;
    private final Duration maxLag;
    private final Duration stallAfter;
    private final Supplier<PublishedSteps.Lag> lag;
    private final LongSupplier analyzedStep;
    private final Supplier<Throwable> analyzerFailure;
    private final PrintWriter out;
    private long heldNanos;
    private int holds;
    private boolean gaveUp;
    private double largestLagSeconds;

    AnalysisPacer(Duration maxLag, Duration stallAfter, Supplier<PublishedSteps.Lag> lag, LongSupplier analyzedStep,
                  Supplier<Throwable> analyzerFailure, PrintWriter out) {
        if (maxLag.isNegative() || maxLag.isZero()) {
            throw new IllegalArgumentException("maxLag must be positive");
        }
        this.maxLag = maxLag;
        this.stallAfter = stallAfter;
        this.lag = lag;
        this.analyzedStep = analyzedStep;
        this.analyzerFailure = analyzerFailure;
        this.out = out;
    }

    @Override
    public void onStep(StepRecord step) {
        double seconds = lag.get().seconds();
        largestLagSeconds = Math.max(largestLagSeconds, seconds);
        if (gaveUp || seconds <= seconds(maxLag)) {
            return;
        }
        long start = System.nanoTime();
        long lastProgress = start;
        long analyzed = analyzedStep.getAsLong();
        holds++;
        try {
            while (analyzerFailure.get() == null) {
                PublishedSteps.Lag now = lag.get();
                largestLagSeconds = Math.max(largestLagSeconds, now.seconds());
                if (now.caughtUp() || now.seconds() <= seconds(maxLag) / 2) {
                    return;
                }
                long step2 = analyzedStep.getAsLong();
                if (step2 != analyzed) {
                    analyzed = step2;
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > stallAfter.toNanos()) {
                    gaveUp = true;
                    out.printf(Locale.ROOT, "the analysis has not advanced for %s s: training goes on without waiting for it "
                        + "(--max-lag)%n", TrainingSession.maxLagText(stallAfter));
                    return;
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            heldNanos += System.nanoTime() - start;
        }
    }

    /** Time the training thread waited for the analysis, in total. */
    Duration held() {
        return Duration.ofNanos(heldNanos);
    }

    /** The largest lag seen after a step or while holding the training, in seconds. */
    double largestLagSeconds() {
        return largestLagSeconds;
    }

    /** How many times it waited. */
    int holds() {
        return holds;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
