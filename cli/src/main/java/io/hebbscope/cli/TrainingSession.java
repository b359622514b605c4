package io.hebbscope.cli;

import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.ThreadPriority;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Trains one run while publishing it, shows progress with the analyzer's live alignment, and when an
 * analyzer is expected waits for it to finish the run and prints the result table.
 */
final class TrainingSession {
    /** What a finished session measured. */
    record Result(RunSummary summary, Map<String, LayerAlignment> alignment, long records, long bytes, double trainSeconds) {}

    private TrainingSession() {}

    /**
     * @param trainer         built beforehand, see {@link #prepare}
     * @param analyzerFailure an in-process analyzer's error, else null: training and the wait stop as soon as
     *                        there is one
     */
    static Result run(Properties clientProps, Topics topics, Trainer trainer, PublishPolicy policy, PrintWriter out,
                      boolean progressBar, Duration analysisWait, Supplier<Throwable> analyzerFailure)
        throws InterruptedException {
        return run(clientProps, topics, trainer, policy, out, progressBar, analysisWait, analyzerFailure, Duration.ZERO);
    }

    /**
     * @param maxLag hold the training while the analysis is more than this behind ({@link AnalysisPacer}); zero: never
     */
    static Result run(Properties clientProps, Topics topics, Trainer trainer, PublishPolicy policy, PrintWriter out,
                      boolean progressBar, Duration analysisWait, Supplier<Throwable> analyzerFailure, Duration maxLag)
        throws InterruptedException {
        TrainerConfig config = trainer.config();
        out.println(header(config));
        try (AlignmentWatcher watcher = new AlignmentWatcher(clientProps, topics, config.runId());
             EventPublisher publisher = new EventPublisher(clientProps, topics, policy);
             ProgressDisplay display = new ProgressDisplay(watcher, out, progressBar, policy::publishes, analyzerFailure)) {
            long start = System.nanoTime();
            // After the publisher: the display takes each step's publish time; the pacer reads the display's lag.
            AnalysisPacer pacer = maxLag.isZero() ? null : new AnalysisPacer(maxLag, STALLED_ANALYSIS, display::lag,
                display::analyzedStep, analyzerFailure, out);
            RunSummary summary;
            if (pacer == null) {
                summary = trainer.run(publisher, display);
            } else {
                // An analyzer shares the cores: the training and publisher threads yield to it (a lower OS priority),
                // and the pacer holds the training should the analysis still fall behind.
                publisher.yieldCpu(ThreadPriority.YIELDING_NICE);
                summary = onYieldingThread(() -> trainer.run(publisher, display, pacer));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "training %s after %d steps in %.1f s: train loss %.5f, validation loss %s%s%n",
                summary.status(), summary.steps(), seconds, summary.finalTrainLoss(),
                summary.finalValidationLoss() == null ? "n/a" : String.format(Locale.ROOT, "%.5f", summary.finalValidationLoss()),
                summary.finalValidationAccuracy() == null ? ""
                    : String.format(Locale.ROOT, ", validation accuracy %.4f", summary.finalValidationAccuracy()));
            if (pacer != null) {
                out.printf(Locale.ROOT, "analysis lag during training at most %.1f s; training held %d %s, %.1f s in all, "
                    + "to keep it within %s s (--max-lag)%n", pacer.largestLagSeconds(), pacer.holds(),
                    pacer.holds() == 1 ? "time" : "times", pacer.held().toNanos() / 1e9, maxLagText(maxLag));
            }
            out.printf(Locale.ROOT, "published %d records, %.1f MB (%.0f records/s, %.1f MB/s)%n", publisher.recordsSent(),
                publisher.bytesSent() / 1e6, publisher.recordsSent() / seconds, publisher.bytesSent() / 1e6 / seconds);
            Map<String, LayerAlignment> alignment = Map.of();
            if (!analysisWait.isZero()) {
                long lastPublished = lastPublishedStep(summary.steps(), policy);
                out.println("waiting for the analyzer to reach step " + lastPublished + " ...");
                long waitStart = System.nanoTime();
                if (display.awaitAnalysis(lastPublished, analysisWait)) {
                    out.printf(Locale.ROOT, "analysis caught up %.1f s after training%n", (System.nanoTime() - waitStart) / 1e9);
                } else {
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

    /**
     * Runs the training on a thread of its own at {@link ThreadPriority#YIELDING_NICE}: a thread's nice value cannot
     * be lowered back without privileges, and threads inherit it, so the calling thread keeps its own. An interrupt
     * of the caller reaches the training (which then stops as "interrupted"); its exceptions are rethrown here.
     */
    static RunSummary onYieldingThread(Supplier<RunSummary> training) {
        CompletableFuture<RunSummary> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                ThreadPriority.lowerCurrentThread(ThreadPriority.YIELDING_NICE);
                result.complete(training.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "hebbscope-trainer");
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join(); // the training stops at its next step once interrupted; nothing closes under it meanwhile
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                t.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            return result.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Builds the trainer (ND4J's start-up, the task's data, the model) on a thread of its own, so that it overlaps
     * with starting or reaching Kafka; {@link #ready} waits for it.
     */
    static CompletableFuture<Trainer> prepare(TrainerConfig config) {
        CompletableFuture<Trainer> trainer = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                trainer.complete(new Trainer(config));
            } catch (Throwable e) {
                trainer.completeExceptionally(e);
            }
        }, "trainer-init");
        t.setDaemon(true);
        t.start();
        return trainer;
    }

    /** The prepared trainer; its construction's exception as if thrown here. */
    static Trainer ready(CompletableFuture<Trainer> trainer) throws InterruptedException {
        try {
            return trainer.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("cannot build the trainer: " + e.getCause(), e.getCause());
        }
    }

    /** "run ID: SRE MLP 32-128-128-32 tanh, SGD lr 0.01, γ 0.0, σ 0.0, 50 epochs x 79 steps, seed 1" and extras. */
    static String header(TrainerConfig c) {
        String model = "transformer".equals(c.model())
            ? String.format(Locale.ROOT, "transformer (%d layers, %d heads, d %d, ff %d, T %d, V %d) + head %s %s",
                c.encoderLayers(), c.heads(), c.embedDim(), c.feedForward(), c.sequenceLength(), c.vocabSize(),
                c.widthsString(), c.activation().id())
            : String.format(Locale.ROOT, "MLP %s %s%s%s", c.widthsString(), c.activation().id(),
                c.residual() ? " residual" : "", c.batchNorm() ? " batch-norm" : "");
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "run %s: %s %s, %s lr %s, γ %s, σ %s",
            c.runId(), c.task().toUpperCase(Locale.ROOT), model, RULE_NAMES.getOrDefault(c.rule(), c.rule()),
            c.learningRate(), c.weightDecay(), c.noiseSigma()));
        if (c.l1() > 0) {
            s.append(", L1 ").append(c.l1());
        }
        if (c.activationSparsity() > 0) {
            s.append(", activation sparsity ").append(c.activationSparsity());
        }
        if (c.gradientNoise() > 0) {
            s.append(", gradient noise ").append(c.gradientNoise());
        }
        if ("randomnn".equals(c.rule())) {
            s.append(", τ ").append(c.tau()).append(c.tauRelative() ? "x initial norm" : "").append(", clip ").append(c.clip());
        }
        if (c.weightDecay() > 0 && !c.decayBiases()) {
            s.append(", biases not decayed");
        }
        s.append(String.format(Locale.ROOT, ", %s%d epochs x %d steps, seed %d", c.untilConverged() ? "until converged, at most " : "",
            c.epochs(), c.stepsPerEpoch(), c.seed()));
        return s.toString();
    }

    private static final Map<String, String> RULE_NAMES = Map.of("sgd", "SGD", "adam", "Adam", "adamw", "AdamW",
        "dfa", "DFA", "randomnn", "RandomNN", "hebb", "Hebb", "oja", "Oja");

    /** Without progress of the analysis for this long, the pacer stops holding the training. */
    static final Duration STALLED_ANALYSIS = Duration.ofSeconds(60);

    /** --max-lag as a duration; a usage error unless it is a finite number of seconds >= 0. */
    static Duration maxLag(picocli.CommandLine cmd, double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new picocli.CommandLine.ParameterException(cmd, "--max-lag must be a number of seconds >= 0, got " + seconds);
        }
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }

    static String maxLagText(Duration d) {
        return java.math.BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }

    private static long lastPublishedStep(long steps, PublishPolicy policy) {
        return policy.lastAnalyzedStep(steps);
    }
}
