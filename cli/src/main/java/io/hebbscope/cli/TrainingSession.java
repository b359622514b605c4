package io.hebbscope.cli;

import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Trains one run while publishing it, shows progress with the analyzer's live alignment, and when an
 * analyzer is expected waits for it to finish the run and prints the result table.
 */
final class TrainingSession {
    /** What a finished session measured. */
    record Result(RunSummary summary, Map<String, LayerAlignment> alignment, long records, long bytes, double trainSeconds) {}

    private TrainingSession() {}

    static Result run(Properties clientProps, Topics topics, TrainerConfig config, PublishPolicy policy, PrintWriter out,
                      boolean progressBar, Duration analysisWait) throws InterruptedException {
        Trainer trainer = new Trainer(config);
        out.printf(Locale.ROOT, "run %s: SRE %s %s, SGD lr %s, γ %s, σ %s, %d epochs x %d steps, seed %d%n",
            config.runId(), config.widthsString(), config.activation().id(), config.learningRate(), config.weightDecay(),
            config.noiseSigma(), config.epochs(), config.stepsPerEpoch(), config.seed());
        try (AlignmentWatcher watcher = new AlignmentWatcher(clientProps, topics, config.runId());
             EventPublisher publisher = new EventPublisher(clientProps, topics, policy)) {
            long start = System.nanoTime();
            RunSummary summary = trainer.run(publisher, new ProgressDisplay(watcher, out, progressBar));
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "training %s after %d steps in %.1f s: train loss %.5f, validation loss %s%n",
                summary.status(), summary.steps(), seconds, summary.finalTrainLoss(),
                summary.finalValidationLoss() == null ? "n/a" : String.format(Locale.ROOT, "%.5f", summary.finalValidationLoss()));
            out.printf(Locale.ROOT, "published %d records, %.1f MB (%.0f records/s, %.1f MB/s)%n", publisher.recordsSent(),
                publisher.bytesSent() / 1e6, publisher.recordsSent() / seconds, publisher.bytesSent() / 1e6 / seconds);
            Map<String, LayerAlignment> alignment = Map.of();
            if (!analysisWait.isZero()) {
                long lastPublished = lastPublishedStep(summary.steps(), policy);
                out.println("waiting for the analyzer to reach step " + lastPublished + " ...");
                if (!watcher.awaitStep(trainer.runInfo().layers().size(), lastPublished, analysisWait)) {
                    out.println("the analyzer has not finished within " + analysisWait.toSeconds()
                        + " s; showing what it has analyzed so far");
                }
                alignment = watcher.latest();
                out.println();
                ResultTable.print(out, alignment.values());
            }
            return new Result(summary, alignment, publisher.recordsSent(), publisher.bytesSent(), seconds);
        }
    }

    private static long lastPublishedStep(long steps, PublishPolicy policy) {
        long last = steps - 1;
        return last - (last % policy.every());
    }
}
