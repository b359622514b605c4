package io.hebbscope.cli;

import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress: step, loss and the live (rolling) alignment of the learning signal with the
 * Hebbian term per layer, as the analyzer reports it. Without a terminal it prints one line per epoch.
 */
final class ProgressDisplay implements TrainingListener {
    private static final int MAX_LAYERS_SHOWN = 4;
    private final AlignmentWatcher watcher;
    private final PrintWriter out;
    private final boolean bar;
    private ProgressBar progress;
    private RunInfo run;

    ProgressDisplay(AlignmentWatcher watcher, PrintWriter out, boolean bar) {
        this.watcher = watcher;
        this.out = out;
        this.bar = bar;
    }

    @Override
    public void onRunStart(RunInfo run) {
        this.run = run;
        if (bar) {
            progress = new ProgressBarBuilder().setTaskName("training").setInitialMax(run.totalSteps())
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setUnit(" steps", 1)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }
    }

    @Override
    public void onStep(StepRecord step) {
        String message = String.format(Locale.ROOT, "loss %.5f | g·H %s", step.trainLoss(), liveAlignment());
        if (bar) {
            progress.stepTo(step.step() + 1);
            progress.setExtraMessage(message);
        } else if (step.validationLoss() != null) {
            out.printf(Locale.ROOT, "epoch %d  step %d/%d  val loss %.5f%s  %s%n", step.epoch() + 1, step.step() + 1,
                run.totalSteps(), step.validationLoss(), step.validationAccuracy() == null ? ""
                    : String.format(Locale.ROOT, "  val acc %.4f", step.validationAccuracy()), message);
        }
    }

    /** Rolling alignment per layer, e.g. "layer0 +0.12 layer1 -0.03". */
    String liveAlignment() {
        if (watcher == null) {
            return "(no analyzer)";
        }
        Map<String, LayerAlignment> latest = watcher.latest();
        if (latest.isEmpty()) {
            return "(waiting for the analyzer)";
        }
        // The bar shares one terminal line: the first few layers, the rest elided.
        StringJoiner j = new StringJoiner(" ");
        latest.entrySet().stream().limit(MAX_LAYERS_SHOWN).forEach(e -> j.add(e.getKey() + " " + signed(e.getValue().getSignalEwma())));
        return latest.size() > MAX_LAYERS_SHOWN ? j + " …" : j.toString();
    }

    static String signed(Double v) {
        return v == null ? "  n/a" : String.format(Locale.ROOT, "%+.3f", v);
    }

    @Override
    public void onRunEnd(RunSummary summary) {
        if (progress != null) {
            progress.close();
        }
    }
}
