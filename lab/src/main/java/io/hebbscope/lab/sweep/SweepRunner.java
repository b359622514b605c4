package io.hebbscope.lab.sweep;

import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Trains every point of a grid, a few at once, into the same topics, then builds the results table from the
 * analyzer's output topics (the code path of live monitoring). Whoever calls it runs the analyzer.
 */
public final class SweepRunner {
    /** What a sweep shows while it runs. */
    public interface Listener {
        void runFinished(int done, int total, String runId, RunOutcome outcome);

        void awaitingAnalysis();
    }

    /** The table and whether the analyzer had finished every run when it was built. */
    public record Result(SweepTable table, boolean complete) {}

    private final Map<String, SweepPoint> points = new LinkedHashMap<>();
    private final Map<String, TrainerConfig> configs = new LinkedHashMap<>();
    private final PublishPolicy policy;
    private final int parallel;
    private int averageEpochs = 1;

    /**
     * @throws IllegalArgumentException naming the point, when a point of the grid is not a valid configuration
     */
    public SweepRunner(SweepGrid grid, String sweepId, TrainerConfig base, PublishPolicy policy, int parallel) {
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel must be >= 1");
        }
        for (SweepPoint p : grid.points()) {
            String runId = p.runId(sweepId);
            try {
                configs.put(runId, SweepConfigs.configure(base.toBuilder(), p).runId(runId).build());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("sweep point " + p + ": " + e.getMessage(), e);
            }
            points.put(runId, p);
        }
        this.policy = policy;
        this.parallel = parallel;
    }

    /**
     * Over how many of each run's last epochs the alignment at convergence is averaged (default 1, the last epoch).
     * Slowly varying fluctuations (weight noise in a small model) need more than one epoch for a steady mean.
     */
    public SweepRunner averageEpochs(int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("--average-epochs must be >= 1");
        }
        this.averageEpochs = epochs;
        return this;
    }

    public int runs() {
        return configs.size();
    }

    /** The configuration of every run, in grid order. */
    public List<TrainerConfig> configs() {
        return List.copyOf(configs.values());
    }

    /** Trains every run, then waits up to {@code analysisTimeout} for the analyzer's last epoch of each. */
    public Result run(Properties client, Topics topics, Duration analysisTimeout, Listener listener) throws Exception {
        Map<String, RunOutcome> outcomes = train(client, topics, listener);
        Map<String, Integer> lastEpoch = new LinkedHashMap<>();
        Map<String, Long> lastStep = new LinkedHashMap<>();
        Map<String, Integer> layers = new LinkedHashMap<>();
        outcomes.forEach((run, o) -> {
            lastEpoch.put(run, (int) ((o.summary().steps() - 1) / o.run().stepsPerEpoch()));
            lastStep.put(run, policy.lastAnalyzedStep(o.summary().steps()));
            layers.put(run, o.run().layers().size());
        });
        listener.awaitingAnalysis();
        try (LastEpochCollector collector = new LastEpochCollector(client, topics, lastEpoch, lastStep, layers,
            averageEpochs)) {
            boolean complete = collector.awaitAll(analysisTimeout);
            return new Result(SweepTable.from(points, outcomes, collector.lastEpochAlignments(), averageEpochs), complete);
        }
    }

    private Map<String, RunOutcome> train(Properties client, Topics topics, Listener listener) throws Exception {
        Map<String, RunOutcome> outcomes = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (var entry : configs.entrySet()) {
                futures.add(pool.submit(() -> {
                    RunOutcome outcome = new RunOutcome();
                    try (EventPublisher publisher = new EventPublisher(client, topics, policy)) {
                        Trainer trainer = new Trainer(entry.getValue());
                        trainer.run(publisher, outcome);
                        outcome.finished(trainer.baselines(), trainer.converged());
                    }
                    outcomes.put(entry.getKey(), outcome);
                    synchronized (listener) {
                        listener.runFinished(done.incrementAndGet(), configs.size(), entry.getKey(), outcome);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return outcomes;
    }
}
