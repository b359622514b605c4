package io.hebbscope.bench;

import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The analyzer as its own process ({@code hebbscope analyze}) follows a run being trained; it is killed with
 * SIGKILL while training goes on and started again with the same application id and state directory. Measured:
 * from the kill, and from the restart, to the first LayerAlignment the new process writes that a read_committed
 * consumer sees. The trainer is paced so that the analyzer is live (not working off a backlog) when it is killed;
 * {@code layer-alignment} carries broker append times, which tell the new process's results from the old one's.
 */
final class Recovery {
    /**
     * @param killToOutputSeconds     SIGKILL to the first result of the restarted analyzer visible
     * @param restartToOutputSeconds  starting the new process to that result
     * @param restartToRunningSeconds starting the new process to its "running" line (Kafka Streams RUNNING)
     * @param outputsBeforeKill       results of the first process visible when it was killed
     * @param stepsPerSecond          the trainer's pace
     */
    record Result(double killToOutputSeconds, double restartToOutputSeconds, double restartToRunningSeconds,
                  long outputsBeforeKill, double stepsPerSecond) {}

    private Recovery() {}

    static Result run(String main, Properties client, Topics topics, TrainerConfig config, PublishPolicy policy, Path workDir,
                      double stepsPerSecond, Duration safetyLimit) throws Exception {
        BenchTopics.ensureWithAppendTimes(client, topics);
        Path stateDir = Files.createDirectories(workDir.resolve("recovery-state"));
        List<String> analyze = List.of("analyze", "--bootstrap-servers",
            client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), "--topic-prefix", topics.prefix(),
            "--application-id", topics.prefix() + "-analyzer", "--state-dir", stateDir.toString(), "--metrics-port", "-1",
            "--plugins", "none", "--replication", "1", "--partitions", Integer.toString(BenchTopics.PARTITIONS),
            "--connect-timeout", "120");
        PublishClock clock = new PublishClock(policy);
        Pacer pacer = new Pacer(stepsPerSecond);
        Trainer trainer = new Trainer(config);
        int layers = trainer.runInfo().layers().size();
        String runId = config.runId();
        AtomicReference<Throwable> trainerFailure = new AtomicReference<>();
        Thread training = new Thread(() -> {
            try (EventPublisher publisher = new EventPublisher(client, topics, policy)) {
                trainer.run(clock, publisher, pacer);
            } catch (TrainingStop e) {
                // stopped when the measurement was done
            } catch (Throwable e) {
                trainerFailure.set(e);
            }
        }, "bench-recovery-trainer");
        try (AlignmentArrivals arrivals = new AlignmentArrivals(client, topics)) {
            ChildJvm first = ChildJvm.start(workDir, "recovery-analyzer-1", main, analyze);
            ChildJvm second = null;
            try {
                training.start();
                // live: a good number of results, and within a few steps of the trainer
                boolean live = arrivals.await(() -> arrivals.distinct(runId) >= 20L * layers
                        && arrivals.maxStep(runId) >= clock.lastStep() - 10,
                    () -> !first.isAlive() || trainerFailure.get() != null, safetyLimit);
                check(live, trainerFailure, first, "the first analyzer did not follow the run");
                long before = arrivals.distinct(runId);
                long killMs = System.currentTimeMillis();
                first.kill9();
                long deadMs = System.currentTimeMillis();
                long restartNanos = System.nanoTime();
                long restartMs = System.currentTimeMillis();
                ChildJvm restarted = ChildJvm.start(workDir, "recovery-analyzer-2", main, analyze);
                second = restarted;
                double toRunning = (restarted.awaitOutput(" running on ", safetyLimit) - restartNanos) / 1e9;
                boolean again = arrivals.await(() -> !arrivals.matching(a -> a.runId().equals(runId)
                        && a.timestampMs() > deadMs).isEmpty(),
                    () -> !restarted.isAlive() || trainerFailure.get() != null, safetyLimit);
                check(again, trainerFailure, restarted, "the restarted analyzer wrote nothing");
                long outputMs = arrivals.matching(a -> a.runId().equals(runId) && a.timestampMs() > deadMs).get(0).arrivalMs();
                return new Result((outputMs - killMs) / 1e3, (outputMs - restartMs) / 1e3, toRunning, before,
                    stepsPerSecond);
            } finally {
                pacer.stop();
                training.join();
                first.close();
                if (second != null) {
                    second.close();
                }
            }
        }
    }

    private static void check(boolean ok, AtomicReference<Throwable> trainerFailure, ChildJvm analyzer, String what) {
        if (ok) {
            return;
        }
        if (trainerFailure.get() != null) {
            throw new IllegalStateException("the recovery trainer failed: " + trainerFailure.get(), trainerFailure.get());
        }
        throw new IllegalStateException(what + (analyzer.isAlive() ? "" : " (the process ended)") + "; its output:\n"
            + analyzer.outputTail());
    }

    /** Holds the trainer to a steady pace; ends the run once asked to. */
    private static final class Pacer implements TrainingListener {
        private final long nanosPerStep;
        private volatile boolean stop;
        private long next;

        Pacer(double stepsPerSecond) {
            this.nanosPerStep = (long) (1e9 / stepsPerSecond);
        }

        void stop() {
            stop = true;
        }

        @Override
        public void onStep(StepRecord step) {
            if (stop) {
                throw new TrainingStop();
            }
            long now = System.nanoTime();
            next = next == 0 ? now + nanosPerStep : next + nanosPerStep;
            long wait = next - now;
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TrainingStop();
                }
            } else {
                next = now; // behind: do not try to catch up in a burst
            }
        }
    }
}
