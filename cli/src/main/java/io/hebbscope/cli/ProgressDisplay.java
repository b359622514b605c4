package io.hebbscope.cli;

import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.TrainingListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress live: the trained step (the bar), the loss, how far the analysis is behind (the analysis
 * lag, see {@link PublishedSteps}) and the rolling alignment of the learning signal with the Hebbian term per layer
 * at the step the analysis has reached, labelled with that step. Without a terminal it prints one line per epoch.
 *
 * <p>Runs in the trainer's thread right after the publisher (listener order), so the time taken in
 * {@link #onStep} is the step's publish time.
 */
final class ProgressDisplay implements TrainingListener, AutoCloseable {
    private static final int MAX_LAYERS_SHOWN = 4;
    /** Without a terminal, a line this often while waiting for the analyzer. */
    private static final Duration WAITING_LINE_EVERY = Duration.ofSeconds(5);
    private final AlignmentWatcher watcher;
    private final PrintWriter out;
    private final boolean bar;
    private final LongPredicate publishes;
    private final Supplier<Throwable> analyzerFailure;
    private final PublishedSteps published = new PublishedSteps();
    private ProgressBar progress;
    private RunInfo run;
    private List<String> layers = List.of();

    /** @param analyzerFailure an in-process analyzer's error (stops training and the wait), else null */
    ProgressDisplay(AlignmentWatcher watcher, PrintWriter out, boolean bar, LongPredicate publishes,
                    Supplier<Throwable> analyzerFailure) {
        this.watcher = watcher;
        this.out = out;
        this.bar = bar;
        this.publishes = publishes;
        this.analyzerFailure = analyzerFailure;
    }

    @Override
    public void onRunStart(RunInfo run) {
        this.run = run;
        this.layers = run.layers().stream().map(LayerInfo::name).toList();
        if (bar) {
            progress = new ProgressBarBuilder().setTaskName("training").setInitialMax(run.totalSteps())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setUnit(" steps", 1)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }
    }

    @Override
    public void onStep(StepRecord step) {
        checkAnalyzer();
        if (publishes.test(step.step())) {
            published.published(step.step(), System.currentTimeMillis());
        }
        String message = String.format(Locale.ROOT, "loss %.5f | %s", step.trainLoss(), analysisStatus());
        if (bar) {
            progress.stepTo(step.step() + 1);
            progress.setExtraMessage(message);
        } else if (step.validationLoss() != null) {
            out.printf(Locale.ROOT, "epoch %d  step %d/%d  val loss %.5f%s  %s%n", step.epoch() + 1, step.step() + 1,
                run.totalSteps(), step.validationLoss(), step.validationAccuracy() == null ? ""
                    : String.format(Locale.ROOT, "  val acc %.4f", step.validationAccuracy()), message);
        }
    }

    /** How far the analysis is behind the published steps now. */
    PublishedSteps.Lag lag() {
        return published.lag(analyzedStep(), System.currentTimeMillis());
    }

    /** The last step analyzed in every layer (-1: none yet, or no analyzer). */
    long analyzedStep() {
        return watcher == null ? -1 : watcher.analyzedStep(layers);
    }

    /** Where the analysis is now, e.g. "analysis at step 61, 17 steps / 0.9 s behind: g·H~ layer0 -0.130 layer1 +0.020". */
    String analysisStatus() {
        if (watcher == null) {
            return "(no analyzer)";
        }
        long analyzed = watcher.analyzedStep(layers);
        List<LayerAlignment> shown = new ArrayList<>();
        if (analyzed >= 0) {
            for (String layer : layers.subList(0, Math.min(layers.size(), MAX_LAYERS_SHOWN))) {
                shown.add(watcher.at(layer, analyzed));
            }
        }
        return analysisStatus(analyzed, published.lag(analyzed, System.currentTimeMillis()), layers, shown);
    }

    /**
     * The live view's text: the step the analysis has finished in every layer, the lag, and the rolling learning-signal
     * alignment of the first layers at that step (the line keeps a bounded width: at most four layers).
     */
    static String analysisStatus(long analyzedStep, PublishedSteps.Lag lag, List<String> layers, List<LayerAlignment> shown) {
        if (analyzedStep < 0) {
            return lag.caughtUp() ? "analysis not started" : "analysis not started, " + behind(lag);
        }
        StringJoiner values = new StringJoiner(" ", "g·H~ ", layers.size() > shown.size() ? " …" : "");
        for (int i = 0; i < shown.size(); i++) {
            LayerAlignment a = shown.get(i);
            values.add(layers.get(i) + " " + signed(a == null ? null : a.getSignalEwma()));
        }
        return String.format(Locale.ROOT, "analysis at step %d, %s: %s", analyzedStep,
            lag.caughtUp() ? "caught up" : behind(lag), values);
    }

    /** "17 steps / 0.9 s behind". */
    static String behind(PublishedSteps.Lag lag) {
        return String.format(Locale.ROOT, lag.seconds() < 10 ? "%d %s / %.1f s behind" : "%d %s / %.0f s behind",
            lag.steps(), lag.steps() == 1 ? "step" : "steps", lag.seconds());
    }

    private void checkAnalyzer() {
        Throwable failure = analyzerFailure.get();
        if (failure != null) {
            throw new IllegalStateException("the analyzer failed", failure);
        }
    }

    static String signed(Double v) {
        return v == null ? "  n/a" : String.format(Locale.ROOT, "%+.3f", v);
    }

    @Override
    public void onRunEnd(RunSummary summary) {
        close();
    }

    /** Ends the bar's line; also when training stopped on an exception (onRunEnd is then skipped). */
    @Override
    public void close() {
        if (progress != null) {
            progress.close();
            progress = null;
        }
    }

    /**
     * After training: waits until every layer has been analyzed up to {@code lastStep}, showing the remaining lag
     * (a bar over the analyzed steps on a terminal, else a line every few seconds).
     *
     * @return false when {@code timeout} passed first
     */
    boolean awaitAnalysis(long lastStep, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        ProgressBar waiting = !bar ? null : new ProgressBarBuilder().setTaskName("analysis").setInitialMax(lastStep + 1)
            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setUnit(" steps", 1)
            .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        long nextLine = start;
        try {
            while (true) {
                checkAnalyzer();
                long analyzed = watcher.analyzedStep(layers);
                PublishedSteps.Lag lag = published.lag(analyzed, System.currentTimeMillis());
                if (analyzed >= lastStep) {
                    if (waiting != null) {
                        waiting.stepTo(lastStep + 1);
                    }
                    return true;
                }
                long now = System.nanoTime();
                if (waiting != null) {
                    waiting.stepTo(analyzed + 1);
                    waiting.setExtraMessage(behind(lag));
                } else if (now >= nextLine) {
                    out.printf(Locale.ROOT, "  analysis at step %d of %d, %s%n", analyzed, lastStep, behind(lag));
                    nextLine = now + WAITING_LINE_EVERY.toNanos();
                }
                long left = deadline - now;
                if (left <= 0) {
                    return false;
                }
                // Wakes on every analyzed step the watcher sees; bounded so the seconds keep counting.
                long slice = Math.min(left, waiting != null ? TimeUnit.MILLISECONDS.toNanos(250) : nextLine - now);
                watcher.awaitStep(layers.size(), lastStep, Duration.ofNanos(Math.max(1, slice)));
            }
        } finally {
            if (waiting != null) {
                waiting.close();
            }
        }
    }
}
