package io.hebbscope.bench;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.ThreadPriority;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Trainers at full speed (threads of this JVM, one run each, into the same topics) with the analyzer running live
 * in this JVM, as the demo and a sweep run: the lag from a step's publish time to its LayerAlignment being visible
 * to a read_committed consumer, over every (run, layer, step); and the analyzer's live throughput. Yielding, the
 * trainers' training and publisher threads run at {@link ThreadPriority#YIELDING_NICE}, as the demo's do: never held,
 * they take the CPU the analysis leaves.
 */
final class LiveLag {
    /**
     * @param trainers            runs trained at once
     * @param samples             (run, layer, step) measured
     * @param layerStepBytes      value bytes of the layer steps published
     * @param trainerSeconds      first run start to last publisher flush
     * @param analyzerSeconds     first publish to the last result visible
     * @param layerStatsRecords   LayerStats records published (runs with statistics)
     * @param maxLagMsByStep      per step, the largest lag over runs and layers
     */
    record Result(int trainers, int samples, double p50Ms, double p99Ms, double maxMs, long layerStepRecords,
                  long layerStepBytes, double trainerSeconds, double analyzerSeconds, long layerStatsRecords,
                  long layerStatsBytes, java.util.SortedMap<Long, Double> maxLagMsByStep) {
        double trainerMbPerSecond() {
            return layerStepBytes / 1e6 / trainerSeconds;
        }

        double analyzerMbPerSecond() {
            return layerStepBytes / 1e6 / analyzerSeconds;
        }
    }

    private LiveLag() {}

    static Result run(Properties client, Topics topics, List<TrainerConfig> configs, PublishPolicy policy, Path stateDir,
                      Duration safetyLimit) throws Exception {
        return run(client, topics, configs, policy, stateDir, safetyLimit, false, 1);
    }

    /** @param streamThreads the analyzer's Kafka Streams threads */
    static Result run(Properties client, Topics topics, List<TrainerConfig> configs, PublishPolicy policy, Path stateDir,
                      Duration safetyLimit, boolean yielding, int streamThreads) throws Exception {
        BenchTopics.ensure(client, topics);
        List<Trainer> trainers = configs.stream().map(Trainer::new).toList();
        List<PublishClock> clocks = new ArrayList<>();
        try (AckedBytes acked = new AckedBytes();
             Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, topics.prefix() + "-analyzer",
                 stateDir, AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, BenchTopics.PARTITIONS, (short) 1)
                 .withStreamThreads(streamThreads));
             AlignmentArrivals arrivals = new AlignmentArrivals(client, topics)) {
            analyzer.awaitRunning(safetyLimit);
            CountDownLatch go = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (Trainer trainer : trainers) {
                PublishClock clock = new PublishClock(policy);
                clocks.add(clock);
                Properties props = acked.attachTo(client);
                Thread t = new Thread(() -> {
                    try (EventPublisher publisher = new EventPublisher(props, topics, policy)) {
                        if (yielding) {
                            ThreadPriority.lowerCurrentThread(ThreadPriority.YIELDING_NICE);
                            publisher.yieldCpu(ThreadPriority.YIELDING_NICE);
                        }
                        go.await();
                        trainer.run(clock, publisher, clock.afterPublisher());
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "bench-trainer-" + trainer.config().runId());
                threads.add(t);
                t.start();
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new IllegalStateException("a trainer failed: " + failure.get(), failure.get());
            }
            boolean done = arrivals.await(() -> clocks.stream().allMatch(c -> arrivals.distinct(c.runId()) >= c.expectedOutputs()),
                () -> analyzer.failure() != null, safetyLimit);
            if (!done) {
                throw new IllegalStateException(analyzer.failure() != null ? "the analyzer failed: " + analyzer.failure()
                    : "the analyzer did not finish the runs within " + safetyLimit.toMinutes() + " minutes");
            }
            List<Double> lags = new ArrayList<>();
            java.util.SortedMap<Long, Double> byStep = new java.util.TreeMap<>();
            long lastArrival = Long.MIN_VALUE;
            for (int i = 0; i < trainers.size(); i++) {
                PublishClock clock = clocks.get(i);
                List<LayerInfo> layers = trainers.get(i).runInfo().layers();
                for (long step = 0; step <= clock.lastStep(); step++) {
                    Long published = clock.publishedAtMs(step);
                    if (published == null) {
                        continue;
                    }
                    for (LayerInfo layer : layers) {
                        AlignmentArrivals.Arrival a = arrivals.first(clock.runId(), layer.name(), step);
                        lags.add((double) (a.arrivalMs() - published));
                        byStep.merge(step, (double) (a.arrivalMs() - published), Math::max);
                        lastArrival = Math.max(lastArrival, a.arrivalMs());
                    }
                }
            }
            Percentiles p = new Percentiles(lags.stream().mapToDouble(Double::doubleValue).toArray());
            long firstPublish = clocks.stream().mapToLong(PublishClock::firstPublishMs).min().orElseThrow();
            long start = clocks.stream().mapToLong(PublishClock::startNanos).min().orElseThrow();
            long end = clocks.stream().mapToLong(PublishClock::endNanos).max().orElseThrow();
            String layerSteps = topics.layerSteps().name();
            String layerStats = topics.layerStats().name();
            return new Result(trainers.size(), p.size(), p.at(0.5), p.at(0.99), p.max(), acked.records(layerSteps),
                acked.bytes(layerSteps), (end - start) / 1e9, Math.max(1, lastArrival - firstPublish) / 1e3,
                acked.records(layerStats), acked.bytes(layerStats), byStep);
        }
    }
}
