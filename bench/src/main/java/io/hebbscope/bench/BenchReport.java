package io.hebbscope.bench;

import java.util.List;

/**
 * Everything one bench run measured, as written to {@code bench.json}. MB are 10^6 bytes of layer-step record
 * values (the other topics carry well under 0.1 % of the volume); times in ms unless named seconds.
 */
public record BenchReport(String createdAt, Machine machine, Settings settings, StepTimes stepTime, Publishing publishing,
                   AnalyzerThroughput analyzer, Lags lag, Fleet fleet, RecoveryTimes recovery, List<BenchTable.Row> table) {

    /** Where it ran; {@code loadAverageAtStart} shows how busy the machine was. */
    public record Machine(int cores, String cpu, String os, String java, long maxHeapMb, String ompNumThreads,
                   double loadAverageAtStart) {}

    public record Settings(String task, String model, String widths, String activation, String rule, int batchSize,
                    int warmupSteps, int publishingWarmupSteps, int measuredSteps, int lagStepsPerTrainer, int trainers,
                    int partitions, String dtype, int publishEvery, int maxBlockBytes, double recoveryStepsPerSecond,
                    int trainerProcesses) {}

    /** Wall time per step after warm-up. */
    public record Timing(int steps, double medianMs, double meanMs, double p90Ms) {}

    /**
     * @param queueWaitMsPerStep time training waited for the publisher's queue, per step of (c); null when this
     *                           build's EventPublisher does not count it ({@code queueWaitNote} says so)
     */
    public record StepTimes(Timing trainingAlone, Timing probe, Timing probePublishing, double probeMedianRatio,
                     double publishingMedianRatio, double publishingP90Ratio, Double queueWaitMsPerStep,
                     String queueWaitNote) {}

    /** Layer-step records and bytes the broker acknowledged over {@code seconds}. */
    public record Throughput(long records, long bytes, double seconds, double mbPerSecond, double recordsPerSecond) {
        static Throughput of(long records, long bytes, double seconds) {
            return new Throughput(records, bytes, seconds, bytes / 1e6 / seconds, records / seconds);
        }
    }

    /** ProducerPerformance at the mean layer-step size with the publisher's producer settings. */
    public record ProducerYardstick(long records, int recordSize, double mbPerSecond, double recordsPerSecond,
                             boolean steadyState) {}

    /**
     * @param trainer       the trainer publishing while step time (c) was measured
     * @param publisherOnly one real step's terms published again and again: training not the limit
     */
    public record Publishing(Throughput trainer, Throughput publisherOnly, ProducerYardstick producerPerformance,
                      double publisherOnlyRatio) {}

    /** ConsumerPerformance over the same layer-steps topic the stored-log figures read. */
    public record ConsumerYardstick(long records, double mb, double mbPerSecond, double fetchMbPerSecond) {
        static ConsumerYardstick of(KafkaPerfTools.ConsumerResult cp) {
            return new ConsumerYardstick(cp.records(), cp.mb(), cp.mbPerSecond(), cp.fetchMbPerSecond());
        }
    }

    /**
     * A Kafka Streams application with the analyzer's settings that reads the same layer-steps topic and does nothing
     * with it ({@link StreamsReadOnly}): MB/s from its JVM's start and from RUNNING.
     */
    public record StreamsYardstick(long records, double mb, double mbPerSecondFromStart, double mbPerSecondFromRunning) {
        static StreamsYardstick of(StreamsReadOnly.Result r) {
            double mb = r.bytes() / 1e6;
            return new StreamsYardstick(r.records(), mb, mb / r.fromStartSeconds(), mb / r.fromRunningSeconds());
        }
    }

    /**
     * The analyzer's topology without a broker ({@link AnalysisOnly}): passes over the same records on one thread, MB/s
     * of the first (a fresh JVM, as the main path's analyzer is) and of the fastest (the code compiled).
     */
    public record AnalysisAlone(long layerSteps, double mb, double[] roundSeconds, double[] gcSeconds,
                                double firstMbPerSecond, double bestMbPerSecond) {
        static AnalysisAlone of(AnalysisOnly.Result r) {
            double mb = r.bytes() / 1e6;
            return new AnalysisAlone(r.layerSteps(), mb, r.roundSeconds(), r.gcSeconds(), mb / r.roundSeconds()[0],
                mb / r.bestSeconds());
        }
    }

    /**
     * One analyzer pass over {@code mb}: MB/s from its start and from Kafka Streams RUNNING; where the CPU went (the
     * main path on Linux; null otherwise).
     */
    public record Pass(double mb, double fromStartSeconds, double fromRunningSeconds, double mbPerSecondFromStart,
                double mbPerSecondFromRunning, CpuUse cpu) {
        static Pass of(double mb, StoredLog.Result r) {
            return new Pass(mb, r.fromStartSeconds(), r.fromRunningSeconds(), mb / r.fromStartSeconds(),
                mb / r.fromRunningSeconds(), r.cpu() == null ? null : CpuUse.of(mb, r.fromStartSeconds(), r.cpu()));
        }
    }

    /**
     * Where the CPU went from the analyzer's launch to its last output, in CPU-seconds: the analyzer process's threads by
     * kind ({@code streamsWaiting}: seconds its Kafka Streams threads were runnable but waiting for a core), the bench's
     * own JVM (the broker, and the consumer of results) over the same {@code seconds}; {@code coresBusy} on average;
     * and the rate the Kafka Streams threads' own work allows on a core of their own, MB per their CPU-second.
     * {@code analyzerTotal} sums the sampled threads, {@code analyzerProcess} is the kernel's total for the process.
     * Null where the Kafka Streams threads show no CPU (their figures could not be read).
     */
    public record CpuUse(double seconds, double streams, double streamsWaiting, double jit, double producerIo, double gc,
                         double other, double analyzerTotal, double analyzerWaiting, double analyzerProcess,
                         double brokerJvm, double coresBusy, double streamsMbPerCpuSecond) {
        static CpuUse of(double mb, double seconds, StoredLog.Cpu cpu) {
            ThreadCpu.Split a = cpu.analyzer();
            if (!(a.streams() > 0)) {
                return null;
            }
            return new CpuUse(seconds, a.streams(), a.streamsWaiting(), a.jit(), a.producerIo(), a.gc(), a.other(),
                a.total(), a.totalWaiting(), a.process(), cpu.benchJvm(), (a.total() + cpu.benchJvm()) / seconds,
                mb / a.streams());
        }
    }

    /** The analyzer while trainers publish: from the first publish to the last result visible. */
    public record Live(int trainers, double mb, double seconds, double mbPerSecond, double trainerMbPerSecond) {}

    /**
     * @param streamsReadOnlyRatio      the read-only Kafka Streams yardstick over ConsumerPerformance, from RUNNING
     * @param storedToStreamsRatio      the main path over the read-only Kafka Streams yardstick, from RUNNING
     */
    public record AnalyzerThroughput(Live liveOneTrainer, Live liveTrainers, Pass storedLog, Pass replay,
                              ConsumerYardstick consumerPerformance, double storedFromStartRatio,
                              double storedFromRunningRatio, double storedToTrainerRatio, double replayFromStartRatio,
                              double replayFromRunningRatio, StreamsYardstick streamsReadOnly,
                              double streamsReadOnlyRatio, double storedToStreamsRatio, LongLog longLog) {}

    /**
     * The main path over a longer stored log of the same trainer (published at full speed): {@code steps} steps,
     * beside ConsumerPerformance on that topic and the trainer's publish rate while it was written.
     */
    public record LongLog(long steps, Throughput trainer, ConsumerYardstick consumerPerformance, Pass mainPath,
                          double fromRunningRatio, double toTrainerRatio, StreamsYardstick streamsReadOnly,
                          double streamsReadOnlyRatio, double toStreamsRatio, AnalysisAlone analysisAlone,
                          double analysisAloneRatio, double toAnalysisAloneRatio, double toFirstAnalysisPassRatio) {}

    /** Publish time to LayerAlignment visible to a read_committed consumer, over every (run, layer, step). */
    public record Lag(int trainers, int samples, double p50Ms, double p99Ms, double maxMs) {}

    /**
     * Full speed, and yielding: the trainers' threads at a lower OS priority (the demo's way), their publish rate then
     * a share of their full-speed rate ({@code ...YieldingSpeed}).
     */
    public record Lags(Lag oneTrainer, Lag trainers, Lag oneTrainerYielding, Lag trainersYielding,
                       double oneTrainerYieldingSpeed, double trainersYieldingSpeed) {}

    /** Lag of one run of the fleet over all its (layer, step). */
    public record RunLag(String runId, int samples, double p50Ms, double p99Ms, double maxMs) {}

    /** Trainer processes at once analyzed by {@code analyzers} analyze processes: every run, and per run. */
    public record FleetLag(int trainers, int analyzers, Lag all, List<RunLag> runs, double seconds) {
        static FleetLag of(TrainerFleet.Result r) {
            return new FleetLag(r.trainers(), r.analyzers(), r.all(), r.runs().stream()
                .map(l -> new RunLag(l.runId(), l.samples(), l.p50Ms(), l.p99Ms(), l.maxMs())).toList(), r.seconds());
        }

        double worstRunP99Ms() {
            return runs.stream().mapToDouble(RunLag::p99Ms).max().orElse(Double.NaN);
        }
    }

    public record Fleet(FleetLag oneAnalyzer, FleetLag twoAnalyzers) {}

    public record RecoveryTimes(double killToOutputSeconds, double restartToOutputSeconds, double restartToRunningSeconds,
                         long outputsBeforeKill, double trainerStepsPerSecond) {}
}
