package io.hebbscope.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.Topics;
import io.hebbscope.schema.UpdateSketch;
import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.ThreadPriority;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.bench.StepTimeBench;
import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.probe.NeuronStatistics;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.CommonClientConfigs;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code hebbscope bench --scale}: what watching a large model every step costs when the trainer publishes per-neuron
 * statistics (every step) and tensors only at their own cadence. On one in-process broker: step time of (a) training
 * alone, (b) with the probe's terms, (c) with statistics computed and published, taking turns step by step in one run
 * (a shared machine's load weighs on the three alike); (d) in a run of its own with statistics every step and tensors
 * at the policy's cadence; the cost of the update sketch (the exact lookup form and the
 * histogram form the trainer and the analyzer use) and of the row statistics on the largest layer; and the live lag of one trainer at full
 * speed under policy (d) with the analyzer running live in this JVM. Writes {@code scale.md} and {@code scale.json}.
 */
public final class ScaleBench {
    private static final Duration SAFETY_LIMIT = Duration.ofMinutes(60);
    private static final int PHASES = 7;
    /** A tensor step's decoding on one thread, the next steps' statistics on the other. */
    private static final int YIELDING_STREAM_THREADS = 2;
    private static final int REPETITIONS = 7;

    /**
     * @param training the model and task (its run id is the stem of the bench's run ids)
     * @param policy   statistics every {@code statsEvery} steps and tensors every {@code every} steps
     * @param lagSteps steps of the live-lag run (whole epochs: rounded up)
     */
    public record Settings(TrainerConfig training, PublishPolicy policy, int warmup, int steps, int lagSteps, Path out) {}

    /** Per-layer costs on the largest monitored layer, median over {@value #REPETITIONS} repetitions, in ms. */
    public record LayerCosts(String layer, int rows, int cols, long elements, double sketchLookupMs, double sketchHistogramMs,
                             double rowStatisticsMs) {}

    /** Lag from a step's hand-over to the publisher to its LayerAlignment visible, over every (layer, step). */
    public record Lag(int samples, double p50Ms, double p99Ms, double maxMs, double p99MsTensorSteps,
                      double p99MsStatisticsOnlySteps, long layerStatsRecords, double layerStatsMb, long layerStepRecords,
                      double layerStepMb, double trainerSeconds, java.util.SortedMap<Long, Double> maxLagMsByStep) {}

    public record Report(String createdAt, BenchReport.Machine machine, double loadAverageAtEnd, String model, long parameters,
                         int batchSize, int statsEvery, int publishEvery, String dtype, int warmupSteps, int measuredSteps,
                         BenchReport.Timing trainingAlone, BenchReport.Timing probe, BenchReport.Timing statistics,
                         BenchReport.Timing statisticsAndTensors, double statisticsRatio, double statisticsAndTensorsRatio,
                         LayerCosts largestLayer, Lag statisticsOnlyLag, Lag lag, Lag yieldingLag) {}

    private final Settings settings;
    private final PrintWriter log;
    private int phase;
    private long startNanos;

    public ScaleBench(Settings settings, PrintWriter log) {
        if (settings.policy().statsEvery() < 1) {
            throw new IllegalArgumentException("the scale bench measures statistics: give --stats (and --publish-every N)");
        }
        this.settings = settings;
        this.log = log;
    }

    public Report run() throws Exception {
        Files.createDirectories(settings.out());
        startNanos = System.nanoTime();
        String createdAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        BenchReport.Machine machine = BenchHarness.machine();
        TrainerConfig base = settings.training();
        PublishPolicy policy = settings.policy();
        PublishPolicy statsOnly = new PublishPolicy(0, policy.snapshotEvery(), policy.dtype(), policy.maxBlockBytes(),
            policy.statsEvery());
        List<LayerInfo> layers = new Trainer(base.toBuilder().epochs(1).build()).runInfo().layers();
        long parameters = layers.stream().mapToLong(l -> (long) l.rows() * l.cols()).sum();
        log.printf(Locale.ROOT, "hebbscope bench --scale: %s %s %s %s, %,d monitored weights, batch %d; statistics every %d, "
                + "tensors every %d; %d cores, OMP_NUM_THREADS=%s, load average %.2f%n", base.task(), base.model(),
            base.widthsString(), base.rule(), parameters, base.batchSize(), policy.statsEvery(), policy.every(),
            machine.cores(), machine.ompNumThreads(), machine.loadAverageAtStart());

        Path work = Files.createTempDirectory("hebbscope-scale-bench");
        try (AutoCloseable quiet = KnownBrokerNoise.install();
             EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());

            step("step time, interleaved in one run: training alone, + probe, + statistics published, in turn");
            StepTimeBench.Stats[] turns = interleaved(base.toBuilder().runId(runId("abc")).build(), statsOnly, client,
                new Topics("scale-abc"));
            StepTimeBench.Stats alone = turns[0];
            StepTimeBench.Stats probe = turns[1];
            StepTimeBench.Stats statistics = turns[2];
            for (StepTimeBench.Stats t : turns) {
                log.println(t);
            }
            step("step time: statistics every step and tensors every " + policy.every() + " steps, published");
            StepTimeBench.Stats both = publishing("(d) + statistics + tensors", base.toBuilder().runId(runId("d")).build(),
                policy, client, new Topics("scale-d"));
            log.println(both);

            step("update sketch and row statistics on the largest layer");
            LayerCosts costs = layerCosts(layers);
            log.printf(Locale.ROOT, "%s %dx%d: sketch lookup form %.1f ms, histogram form %.1f ms, row statistics %.1f ms%n",
                costs.layer(), costs.rows(), costs.cols(), costs.sketchLookupMs(), costs.sketchHistogramMs(),
                costs.rowStatisticsMs());

            int lagEpochs = Math.max(1, (settings.lagSteps() + base.stepsPerEpoch() - 1) / base.stepsPerEpoch());
            step("live lag: 1 trainer at full speed, statistics every " + policy.statsEvery() + ", no tensors, analyzer live");
            LiveLag.Result rs = LiveLag.run(client, new Topics("scale-lag-stats"),
                List.of(base.toBuilder().runId(runId("lag-stats")).epochs(lagEpochs).build()), statsOnly,
                work.resolve("lag-stats-state"), SAFETY_LIMIT);
            Lag statsLag = lag(rs, statsOnly);
            log.printf(Locale.ROOT, "lag p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", statsLag.p50Ms(), statsLag.p99Ms(),
                statsLag.maxMs());
            step("live lag: 1 trainer at full speed, statistics every " + policy.statsEvery() + ", tensors every "
                + policy.every() + ", analyzer live");
            LiveLag.Result r = LiveLag.run(client, new Topics("scale-lag"),
                List.of(base.toBuilder().runId(runId("lag")).epochs(lagEpochs).build()), policy,
                work.resolve("lag-state"), SAFETY_LIMIT);
            Lag lag = lag(r, policy);
            log.printf(Locale.ROOT, "lag p50 %.0f ms, p99 %.0f ms, max %.0f ms (p99 on tensor steps %.0f ms, on the others %.0f ms)%n",
                lag.p50Ms(), lag.p99Ms(), lag.maxMs(), lag.p99MsTensorSteps(), lag.p99MsStatisticsOnlySteps());
            step("live lag: the same, the trainer yielding to the analyzer (as in the demo), analyzer with "
                + YIELDING_STREAM_THREADS + " stream threads");
            LiveLag.Result ry = LiveLag.run(client, new Topics("scale-lag-yielding"),
                List.of(base.toBuilder().runId(runId("lag-yielding")).epochs(lagEpochs).build()), policy,
                work.resolve("lag-yielding-state"), SAFETY_LIMIT, true, YIELDING_STREAM_THREADS);
            Lag yieldingLag = lag(ry, policy);
            log.printf(Locale.ROOT, "lag p50 %.0f ms, p99 %.0f ms, max %.0f ms (p99 on tensor steps %.0f ms, on the others %.0f ms)%n",
                yieldingLag.p50Ms(), yieldingLag.p99Ms(), yieldingLag.maxMs(), yieldingLag.p99MsTensorSteps(),
                yieldingLag.p99MsStatisticsOnlySteps());

            step("writing");
            double loadAtEnd = Math.max(0, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            Report report = new Report(createdAt, machine, loadAtEnd, base.widthsString(), parameters, base.batchSize(),
                policy.statsEvery(), policy.every(), policy.dtype().name().toLowerCase(Locale.ROOT), settings.warmup(),
                settings.steps(), timing(alone), timing(probe), timing(statistics), timing(both),
                statistics.medianMs() / alone.medianMs(), both.medianMs() / alone.medianMs(), costs, statsLag, lag, yieldingLag);
            write(report);
            return report;
        } finally {
            BenchHarness.deleteRecursively(work);
        }
    }

    /**
     * One run whose steps take turns (step mod 3): 2 training alone, 1 with the probe's terms (dropped), 0 with the
     * terms, their statistics computed and published; so load on the machine weighs on the three alike. The update
     * sketch of a published step is computed on the publisher thread while the next step (a probe step) trains.
     */
    private StepTimeBench.Stats[] interleaved(TrainerConfig base, PublishPolicy statsOnly, Properties client, Topics topics)
        throws Exception {
        BenchTopics.ensure(client, topics);
        PublishPolicy everyThird = new PublishPolicy(0, statsOnly.snapshotEvery(), statsOnly.dtype(), statsOnly.maxBlockBytes(), 3);
        int warmup = settings.warmup() * 3;
        int total = warmup + 3 * settings.steps();
        TrainerConfig config = base.toBuilder().epochs((total + base.stepsPerEpoch() - 1) / base.stepsPerEpoch()).build();
        double[] intervals = new double[total];
        io.hebbscope.trainer.TrainingListener timer = new io.hebbscope.trainer.TrainingListener() {
            private long last = System.nanoTime();

            @Override
            public boolean wantsTerms(long step) {
                return step % 3 == 1;
            }

            @Override
            public void onStep(io.hebbscope.trainer.StepRecord step) {
                long now = System.nanoTime();
                if (step.step() < total) {
                    intervals[(int) step.step()] = (now - last) / 1e6;
                }
                last = now;
            }
        };
        try (EventPublisher publisher = new EventPublisher(client, topics, everyThird)) {
            new Trainer(config).run(publisher, timer);
        }
        String[] labels = {"(c) + statistics, published", "(b) + probe", "(a) training alone"};
        StepTimeBench.Stats[] out = new StepTimeBench.Stats[3];
        for (int turn = 0; turn < 3; turn++) {
            double[] kept = new double[settings.steps()];
            for (int i = 0; i < kept.length; i++) {
                kept[i] = intervals[warmup + 3 * i + turn];
            }
            double[] sorted = kept.clone();
            Arrays.sort(sorted);
            out[2 - turn] = new StepTimeBench.Stats(labels[turn], kept.length, sorted[sorted.length / 2],
                Arrays.stream(kept).average().orElse(Double.NaN),
                sorted[(int) Math.min(sorted.length - 1, Math.round(0.9 * (sorted.length - 1)))]);
        }
        return out;
    }

    private StepTimeBench.Stats publishing(String label, TrainerConfig config, PublishPolicy policy, Properties client,
                                           Topics topics) throws Exception {
        BenchTopics.ensure(client, topics);
        try (EventPublisher publisher = new EventPublisher(client, topics, policy)) {
            return StepTimeBench.measure(label, config, settings.warmup(), settings.steps(), true, List.of(publisher));
        }
    }

    /** The sketch of the largest layer's update both ways, and its seven row statistics with INDArray ops. */
    static LayerCosts layerCosts(List<LayerInfo> layers) {
        LayerInfo largest = layers.stream().max(Comparator.comparingLong(l -> (long) l.rows() * l.cols())).orElseThrow();
        int rows = largest.rows();
        int cols = largest.cols();
        int n = Math.multiplyExact(rows, cols);
        SplittableRandom random = new SplittableRandom(1);
        float[] update = new float[n];
        for (int i = 0; i < n; i++) {
            update[i] = (float) (random.nextDouble() - 0.5) * 1e-3f;
        }
        double[] lookup = new double[REPETITIONS];
        double[] histogram = new double[REPETITIONS];
        double[] statistics = new double[REPETITIONS];
        INDArray g = Nd4j.rand(DataType.FLOAT, rows, cols);
        INDArray h = Nd4j.rand(DataType.FLOAT, rows, cols);
        INDArray u = Nd4j.createFromArray(update).reshape(rows, cols);
        LayerTerms terms = new LayerTerms(largest, null, g, null, h, u, null);
        double sink = 0;
        for (int rep = 0; rep < REPETITIONS; rep++) {
            long t0 = System.nanoTime();
            sink += UpdateSketch.of(update, 0, rows, cols)[0];
            long t1 = System.nanoTime();
            sink += UpdateSketch.byHistogram(FloatBuffer.wrap(update), 0, 0, rows, cols)[0];
            long t2 = System.nanoTime();
            INDArray s = NeuronStatistics.sums(terms);
            sink += s.getDouble(0, 0);
            long t3 = System.nanoTime();
            lookup[rep] = (t1 - t0) / 1e6;
            histogram[rep] = (t2 - t1) / 1e6;
            statistics[rep] = (t3 - t2) / 1e6;
        }
        if (Double.isNaN(sink)) {
            throw new IllegalStateException("unexpected NaN");
        }
        return new LayerCosts(largest.name(), rows, cols, n, median(lookup), median(histogram), median(statistics));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static Lag lag(LiveLag.Result r, PublishPolicy policy) {
        double[] tensorSteps = r.maxLagMsByStep().entrySet().stream().filter(e -> policy.publishes(e.getKey()))
            .mapToDouble(e -> e.getValue()).toArray();
        double[] others = r.maxLagMsByStep().entrySet().stream().filter(e -> !policy.publishes(e.getKey()))
            .mapToDouble(e -> e.getValue()).toArray();
        return new Lag(r.samples(), r.p50Ms(), r.p99Ms(), r.maxMs(),
            tensorSteps.length == 0 ? Double.NaN : new Percentiles(tensorSteps).at(0.99),
            others.length == 0 ? Double.NaN : new Percentiles(others).at(0.99), r.layerStatsRecords(),
            r.layerStatsBytes() / 1e6, r.layerStepRecords(), r.layerStepBytes() / 1e6, r.trainerSeconds(), r.maxLagMsByStep());
    }

    private void step(String what) {
        log.printf(Locale.ROOT, "[%d/%d %4.0f s] %s%n", ++phase, PHASES, (System.nanoTime() - startNanos) / 1e9, what);
        log.flush();
    }

    private String runId(String what) {
        return settings.training().runId() + "-scale-" + what;
    }

    private static BenchReport.Timing timing(StepTimeBench.Stats s) {
        return new BenchReport.Timing(s.steps(), s.medianMs(), s.meanMs(), s.p90Ms());
    }

    private void write(Report r) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(settings.out().resolve("scale.json").toFile(), r);
        String markdown = markdown(r);
        Files.writeString(settings.out().resolve("scale.md"), markdown, StandardCharsets.UTF_8);
        log.printf(Locale.ROOT, "done in %.0f s%n%n", (System.nanoTime() - startNanos) / 1e9);
        log.print(markdown);
        log.printf("%nwritten: %s, %s%n", settings.out().resolve("scale.md"), settings.out().resolve("scale.json"));
        log.flush();
    }

    static String markdown(Report r) {
        var m = r.machine();
        StringBuilder sb = new StringBuilder("# hebbscope bench --scale\n\n");
        sb.append(String.format(Locale.ROOT, "%s; %d cores (%s), %s, max heap %d MB, OMP_NUM_THREADS=%s, load average %.2f "
                + "at start and %.2f at the end.%n%n", r.createdAt(), m.cores(), m.cpu(), m.java(), m.maxHeapMb(),
            m.ompNumThreads(), m.loadAverageAtStart(), r.loadAverageAtEnd()));
        sb.append(String.format(Locale.ROOT, "MLP %s (%,d monitored weights), batch %d; statistics every %d step(s), tensors "
                + "(%s) every %d steps; step times over %d steps after %d warm-up.%n%n", r.model(), r.parameters(),
            r.batchSize(), r.statsEvery(), r.dtype(), r.publishEvery(), r.measuredSteps(), r.warmupSteps()));
        sb.append("(a), (b), (c) take turns step by step in one run; (d) is a run of its own.\n\n");
        sb.append("| figure | median / mean / p90 | ratio to training alone |\n|---|---|---|\n");
        row(sb, "(a) training alone", r.trainingAlone(), 1.0);
        row(sb, "(b) + probe (the terms, nothing published)", r.probe(), r.probe().medianMs() / r.trainingAlone().medianMs());
        row(sb, "(c) + statistics, published", r.statistics(), r.statisticsRatio());
        row(sb, "(d) + statistics every step + tensors every " + r.publishEvery() + ", published", r.statisticsAndTensors(),
            r.statisticsAndTensorsRatio());
        LayerCosts c = r.largestLayer();
        sb.append(String.format(Locale.ROOT, "%nLargest layer %s, %d x %d = %,d weights (median of %d): update sketch, the "
                + "exact lookup form (32 multiply-adds per weight) %.1f ms, the histogram form of the trainer and the analyzer (4 additions per "
                + "weight) %.1f ms; the seven row statistics with INDArray reductions %.1f ms.%n", c.layer(), c.rows(), c.cols(),
            c.elements(), REPETITIONS, c.sketchLookupMs(), c.sketchHistogramMs(), c.rowStatisticsMs()));
        Lag s = r.statisticsOnlyLag();
        sb.append(String.format(Locale.ROOT, "%nLive lag, one trainer at full speed publishing statistics only, analyzer live in "
                + "the same JVM, %d (layer, step) samples: p50 %.2f s, p99 %.2f s, max %.2f s; %,d LayerStats records (%.2f MB) "
                + "in %.0f s.%n", s.samples(), s.p50Ms() / 1e3, s.p99Ms() / 1e3, s.maxMs() / 1e3, s.layerStatsRecords(),
            s.layerStatsMb(), s.trainerSeconds()));
        Lag l = r.lag();
        sb.append(String.format(Locale.ROOT, "%nLive lag, one trainer at full speed, statistics and tensors, analyzer live in the same JVM, %d (layer, step) "
                + "samples: p50 %.2f s, p99 %.2f s, max %.2f s; p99 over steps with tensors %.2f s, over the others %.2f s. "
                + "Published: %,d LayerStats records (%.2f MB), %,d LayerStep records (%.1f MB) in %.0f s.%n", l.samples(),
            l.p50Ms() / 1e3, l.p99Ms() / 1e3, l.maxMs() / 1e3, l.p99MsTensorSteps() / 1e3, l.p99MsStatisticsOnlySteps() / 1e3,
            l.layerStatsRecords(), l.layerStatsMb(), l.layerStepRecords(), l.layerStepMb(), l.trainerSeconds()));
        Lag y = r.yieldingLag();
        sb.append(String.format(Locale.ROOT, "%nLive lag, the same with the trainer yielding to the analyzer (training and "
                + "publisher threads at nice %d, as in the demo) and %d stream threads, %d (layer, step) samples: p50 %.2f s, "
                + "p99 %.2f s, max %.2f s; p99 over steps with tensors %.2f s, over the others %.2f s; trained in %.0f s "
                + "(%.2fx the full-speed run's time).%n", ThreadPriority.YIELDING_NICE, YIELDING_STREAM_THREADS, y.samples(),
            y.p50Ms() / 1e3, y.p99Ms() / 1e3, y.maxMs() / 1e3, y.p99MsTensorSteps() / 1e3, y.p99MsStatisticsOnlySteps() / 1e3,
            y.trainerSeconds(), y.trainerSeconds() / l.trainerSeconds()));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, BenchReport.Timing t, double ratio) {
        sb.append(String.format(Locale.ROOT, "| %s | %.0f / %.0f / %.0f ms | %.2f× |%n", label, t.medianMs(), t.meanMs(),
            t.p90Ms(), ratio));
    }
}
