package io.hebbscope.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr when there is a terminal; silent otherwise (logs and tests stay clean). */
final class Progress {
    private Progress() {}

    static ProgressBar bar(String task, long max, boolean terminal) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max)
            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250);
        b.setConsumer(terminal ? new ConsoleProgressBarConsumer(System.err) : new DelegatingProgressBarConsumer(line -> { }));
        return b.build();
    }
}
