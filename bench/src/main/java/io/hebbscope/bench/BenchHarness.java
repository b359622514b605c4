package io.hebbscope.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.ThreadPriority;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.bench.StepTimeBench;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The side-by-side performance harness behind {@code hebbscope bench}: on one in-process broker, every figure of
 * "live at the trainer's pace" beside its yardstick (Kafka's own perf tools, training alone, the trainer's own
 * publish rate), written as {@code bench.json} and {@code bench.md} and printed as the same Markdown table.
 */
public final class BenchHarness {
    /** Nothing here should take this long; it only keeps a broken component from hanging the bench. */
    private static final Duration SAFETY_LIMIT = Duration.ofMinutes(15);
    /** Passes of the analysis alone over the long log: the first warm the JIT up, the fastest is reported. */
    private static final int ANALYSIS_ALONE_ROUNDS = 5;
    private static final int PHASES = 15;
    /**
     * The publishing variant warms up this many times as long as the others: it starts what they do not run (the
     * in-process broker's request path, the producer, the publisher thread), which were still compiling when the
     * first 600 steps after 300 of warm-up ran 2.4-3.2 ms a step, against 2.0 ms after them (docs/performance.md).
     */
    static final int PUBLISHING_WARMUP_FACTOR = 3;

    /**
     * @param cliMainClass         the command line's main class: the stored-log, replay and recovery analyzers run
     *                             as child JVMs of it (the bench does not depend on the command line)
     * @param training             the run the figures are about (its run id is the stem of the bench's run ids)
     * @param warmup               warm-up steps per step-time variant ({@link #PUBLISHING_WARMUP_FACTOR} times as
     *                             many with publishing) and of the publisher-only run
     * @param steps                measured steps per step-time variant and of the publisher-only run
     * @param lagSteps             steps each trainer trains in the live-lag runs (whole epochs: rounded up)
     * @param longLogSteps         steps of the long stored log (whole epochs: rounded up), on which the analyzer's
     *                             main path is measured past its JIT warm-up as well
     * @param trainers             trainers at once for the concurrent lag
     * @param trainerProcesses     trainer processes at once for the fleet's lag (one analyzer process, then two)
     * @param recoveryStepsPerSecond the trainer's pace while the analyzer is killed and restarted
     * @param out                  where bench.json and bench.md go
     */
    public record Settings(String cliMainClass, TrainerConfig training, PublishPolicy policy, int warmup, int steps,
                           int lagSteps, int longLogSteps, int trainers, int trainerProcesses, double recoveryStepsPerSecond, Path out) {}

    private final Settings settings;
    private final PrintWriter log;
    private int phase;
    private long startNanos;

    public BenchHarness(Settings settings, PrintWriter log) {
        this.settings = settings;
        this.log = log;
    }

    /** Runs every figure, writes the files, prints the table; returns the report. */
    public BenchReport run() throws Exception {
        Files.createDirectories(settings.out());
        startNanos = System.nanoTime();
        String createdAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        BenchReport.Machine machine = machine();
        TrainerConfig base = settings.training();
        PublishPolicy policy = settings.policy();
        log.printf(Locale.ROOT, "hebbscope bench: %s %s %s %s, batch %d; %d cores, OMP_NUM_THREADS=%s%n", base.task(),
            base.model(), base.widthsString(), base.rule(), base.batchSize(), machine.cores(), machine.ompNumThreads());

        step("step time: training alone");
        StepTimeBench.Stats alone = StepTimeBench.measure("(a) training alone", base, settings.warmup(), settings.steps(),
            false, List.of());
        step("step time: + probe");
        StepTimeBench.Stats probe = StepTimeBench.measure("(b) + probe", base, settings.warmup(), settings.steps(), true,
            List.of());

        Path work = Files.createTempDirectory("hebbscope-bench");
        try (AutoCloseable quiet = KnownBrokerNoise.install();
             EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());

            step("step time: + probe + publishing");
            Topics stored = new Topics("bench");
            BenchTopics.ensure(client, stored);
            TrainerConfig published = base.toBuilder().runId(runId("c")).build();
            PublishClock clock = new PublishClock(policy);
            StepTimeBench.Stats publishing;
            OptionalLong waitNanos;
            long storedRecords;
            long storedBytes;
            try (AckedBytes acked = new AckedBytes();
                 EventPublisher publisher = new EventPublisher(acked.attachTo(client), stored, policy)) {
                publishing = StepTimeBench.measure("(c) + probe + publishing", published,
                    PUBLISHING_WARMUP_FACTOR * settings.warmup(), settings.steps(), true,
                    List.of(clock, publisher, clock.afterPublisher()));
                waitNanos = PublisherAccess.queueWaitNanos(publisher);
                storedRecords = acked.records(stored.layerSteps().name());
                storedBytes = acked.bytes(stored.layerSteps().name());
            }
            BenchReport.Throughput trainer = BenchReport.Throughput.of(storedRecords, storedBytes, clock.seconds());
            BenchReport.StepTimes stepTimes = stepTimes(alone, probe, publishing, waitNanos, clock.lastStep() + 1);

            step("publishing: publisher only, then Kafka's ProducerPerformance");
            Topics publisherOnlyTopics = new Topics("bench-publisher-only");
            BenchTopics.ensure(client, publisherOnlyTopics);
            PublisherOnly.Result only = PublisherOnly.run(client, publisherOnlyTopics,
                base.toBuilder().runId(runId("publisher-only")).build(), policy, settings.warmup(), settings.steps());
            Topics producerTopics = new Topics("bench-producer-performance");
            BenchTopics.ensure(client, producerTopics);
            long warmupRecords = Math.round((double) only.layerStepRecords() * settings.warmup()
                / (settings.warmup() + settings.steps()));
            KafkaPerfTools.ProducerResult pp = KafkaPerfTools.producerPerformance(work,
                PublisherAccess.producerProps(client), producerTopics.layerSteps().name(), only.layerStepRecords(),
                warmupRecords, only.meanLayerStepBytes());
            BenchReport.Throughput onlyThroughput = BenchReport.Throughput.of(only.records(), only.bytes(), only.seconds());
            BenchReport.Publishing publishingFigures = new BenchReport.Publishing(trainer, onlyThroughput,
                new BenchReport.ProducerYardstick(pp.records(), pp.recordSize(), pp.mbPerSecond(), pp.recordsPerSecond(),
                    pp.steadyState()), onlyThroughput.mbPerSecond() / pp.mbPerSecond());

            step("consuming the stored log: Kafka's ConsumerPerformance, then Kafka Streams reading only");
            KafkaPerfTools.ConsumerResult cp = KafkaPerfTools.consumerPerformance(work,
                KafkaPerfTools.analyzerLikeConsumer(client, TopicSetup.MAX_MESSAGE_BYTES), broker.bootstrapServers(),
                stored.layerSteps().name(), storedRecords);
            BenchReport.StreamsYardstick streamsReadOnly = BenchReport.StreamsYardstick.of(
                StreamsReadOnly.run(work, client, stored, storedRecords, SAFETY_LIMIT));

            step("analyzer over the stored log (main path: an analyze process)");
            StoredLog.Result main = StoredLog.mainPath(settings.cliMainClass(), client, stored, published.runId(), clock.expectedOutputs(), work,
                SAFETY_LIMIT);
            step("replay over the stored log (a replay process)");
            StoredLog.Result replay = StoredLog.replay(settings.cliMainClass(), client, stored, "bench-replay", work, SAFETY_LIMIT);

            step("live lag: 1 trainer at full speed, analyzer live");
            TrainerConfig lagBase = base.toBuilder().epochs(epochsFor(base, settings.lagSteps())).build();
            LiveLag.Result lag1 = LiveLag.run(client, new Topics("bench-lag-1"),
                List.of(lagBase.toBuilder().runId(runId("lag-1")).build()), policy, work.resolve("lag-1-state"),
                SAFETY_LIMIT);
            step("live lag: " + settings.trainers() + " trainers at once, one analyzer");
            List<TrainerConfig> many = new ArrayList<>();
            for (int i = 0; i < settings.trainers(); i++) {
                many.add(lagBase.toBuilder().runId(runId("lag-" + settings.trainers() + "-" + i)).seed(base.seed() + i).build());
            }
            LiveLag.Result lagN = LiveLag.run(client, new Topics("bench-lag-" + settings.trainers()), many, policy,
                work.resolve("lag-n-state"), SAFETY_LIMIT);
            step("live lag: 1 trainer yielding to the analyzer (nice " + ThreadPriority.YIELDING_NICE + "), as in the demo");
            LiveLag.Result lag1Yielding = LiveLag.run(client, new Topics("bench-lag-1-yielding"),
                List.of(lagBase.toBuilder().runId(runId("lag-1-yielding")).build()), policy,
                work.resolve("lag-1-yielding-state"), SAFETY_LIMIT, true, 1);
            step("live lag: " + settings.trainers() + " trainers yielding to the analyzer");
            List<TrainerConfig> manyYielding = many.stream()
                .map(c -> c.toBuilder().runId(c.runId().replace("-lag-", "-lag-yielding-")).build()).toList();
            LiveLag.Result lagNYielding = LiveLag.run(client, new Topics("bench-lag-" + settings.trainers() + "-yielding"),
                manyYielding, policy, work.resolve("lag-n-yielding-state"), SAFETY_LIMIT, true, 1);

            step("live lag: " + settings.trainerProcesses() + " trainer processes at once, one analyzer process");
            TrainerConfig fleetBase = lagBase.toBuilder().runId(runId("fleet")).build();
            int layers = new Trainer(fleetBase).runInfo().layers().size();
            TrainerFleet.Result fleet1 = TrainerFleet.run(settings.cliMainClass(), client, new Topics("bench-fleet-1"),
                fleetBase, policy, settings.trainerProcesses(), 1, layers, work, SAFETY_LIMIT);
            step("live lag: " + settings.trainerProcesses() + " trainer processes at once, two analyzer instances");
            TrainerFleet.Result fleet2 = TrainerFleet.run(settings.cliMainClass(), client, new Topics("bench-fleet-2"),
                fleetBase, policy, settings.trainerProcesses(), 2, layers, work, SAFETY_LIMIT);
            BenchReport.Fleet fleet = new BenchReport.Fleet(BenchReport.FleetLag.of(fleet1), BenchReport.FleetLag.of(fleet2));

            step("recovery: kill -9 the analyzer process while training goes on, restart it");
            Recovery.Result recovery = Recovery.run(settings.cliMainClass(), client, new Topics("bench-recovery"),
                base.toBuilder().runId(runId("recovery")).epochs(1_000_000).build(), policy, work,
                settings.recoveryStepsPerSecond(), SAFETY_LIMIT);

            // Last: its gigabyte of log stays on the broker (run before the lag phases, it coincided with slower
            // yielding lags in two runs).
            step("a long stored log (" + epochsFor(base, settings.longLogSteps()) * (long) base.stepsPerEpoch()
                + " steps): the trainer publishing at full speed, then ConsumerPerformance, Kafka Streams reading only, the"
                + " analysis alone and the main path over it");
            BenchReport.LongLog longLog = longLog(client, base, policy, work);

            double storedMb = storedBytes / 1e6;
            BenchReport.Pass mainPass = BenchReport.Pass.of(storedMb, main);
            BenchReport.Pass replayPass = BenchReport.Pass.of(storedMb, replay);
            BenchReport.AnalyzerThroughput analyzer = new BenchReport.AnalyzerThroughput(live(lag1), live(lagN), mainPass,
                replayPass, BenchReport.ConsumerYardstick.of(cp),
                mainPass.mbPerSecondFromStart() / cp.mbPerSecond(), mainPass.mbPerSecondFromRunning() / cp.fetchMbPerSecond(),
                mainPass.mbPerSecondFromRunning() / trainer.mbPerSecond(), replayPass.mbPerSecondFromStart() / cp.mbPerSecond(),
                replayPass.mbPerSecondFromRunning() / cp.fetchMbPerSecond(), streamsReadOnly,
                streamsReadOnly.mbPerSecondFromRunning() / cp.fetchMbPerSecond(),
                mainPass.mbPerSecondFromRunning() / streamsReadOnly.mbPerSecondFromRunning(), longLog);
            BenchReport.Lags lags = new BenchReport.Lags(lag(lag1), lag(lagN), lag(lag1Yielding), lag(lagNYielding),
                lag1Yielding.trainerMbPerSecond() / lag1.trainerMbPerSecond(),
                lagNYielding.trainerMbPerSecond() / lagN.trainerMbPerSecond());
            BenchReport.RecoveryTimes recoveryTimes = new BenchReport.RecoveryTimes(recovery.killToOutputSeconds(),
                recovery.restartToOutputSeconds(), recovery.restartToRunningSeconds(), recovery.outputsBeforeKill(),
                recovery.stepsPerSecond());
            BenchReport.Settings used = new BenchReport.Settings(base.task(), base.model(), base.widthsString(),
                base.activation().id(), base.rule(), base.batchSize(), settings.warmup(),
                PUBLISHING_WARMUP_FACTOR * settings.warmup(), settings.steps(),
                (int) (lagBase.epochs() * (long) lagBase.stepsPerEpoch()), settings.trainers(), BenchTopics.PARTITIONS,
                policy.dtype().name().toLowerCase(Locale.ROOT), policy.every(), policy.maxBlockBytes(),
                settings.recoveryStepsPerSecond(), settings.trainerProcesses());
            BenchReport partial = new BenchReport(createdAt, machine, used, stepTimes, publishingFigures, analyzer, lags,
                fleet, recoveryTimes, List.of());
            BenchReport report = new BenchReport(createdAt, machine, used, stepTimes, publishingFigures, analyzer, lags,
                fleet, recoveryTimes, BenchTable.rows(partial));
            write(report);
            return report;
        } finally {
            deleteRecursively(work);
        }
    }

    /**
     * The main path over a log several times the short one's size: on the short log the analyzer's JVM spends more
     * CPU compiling than analysing, so this is the rate a long live run sees once compiled. Same trainer at full
     * speed, same yardstick on the same topic.
     */
    private BenchReport.LongLog longLog(Properties client, TrainerConfig base, PublishPolicy policy, Path work)
        throws Exception {
        Topics topics = new Topics("bench-long");
        BenchTopics.ensure(client, topics);
        TrainerConfig run = base.toBuilder().runId(runId("long")).epochs(epochsFor(base, settings.longLogSteps())).build();
        PublishClock clock = new PublishClock(policy);
        long records;
        long bytes;
        try (AckedBytes acked = new AckedBytes();
             EventPublisher publisher = new EventPublisher(acked.attachTo(client), topics, policy)) {
            new Trainer(run).run(List.of(clock, publisher, clock.afterPublisher()));
            records = acked.records(topics.layerSteps().name());
            bytes = acked.bytes(topics.layerSteps().name());
        }
        BenchReport.Throughput trainer = BenchReport.Throughput.of(records, bytes, clock.seconds());
        KafkaPerfTools.ConsumerResult cp = KafkaPerfTools.consumerPerformance(work,
            KafkaPerfTools.analyzerLikeConsumer(client, TopicSetup.MAX_MESSAGE_BYTES), client.getProperty(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), topics.layerSteps().name(), records);
        BenchReport.StreamsYardstick streamsReadOnly = BenchReport.StreamsYardstick.of(
            StreamsReadOnly.run(work, client, topics, records, SAFETY_LIMIT));
        BenchReport.AnalysisAlone alone = BenchReport.AnalysisAlone.of(
            AnalysisOnly.run(work, client, topics, ANALYSIS_ALONE_ROUNDS, clock.expectedOutputs(), SAFETY_LIMIT));
        BenchReport.Pass main = BenchReport.Pass.of(bytes / 1e6,
            StoredLog.mainPath(settings.cliMainClass(), client, topics, run.runId(), clock.expectedOutputs(), work,
                SAFETY_LIMIT));
        return new BenchReport.LongLog(clock.lastStep() + 1, trainer,
            BenchReport.ConsumerYardstick.of(cp), main,
            main.mbPerSecondFromRunning() / cp.fetchMbPerSecond(), main.mbPerSecondFromRunning() / trainer.mbPerSecond(),
            streamsReadOnly, streamsReadOnly.mbPerSecondFromRunning() / cp.fetchMbPerSecond(),
            main.mbPerSecondFromRunning() / streamsReadOnly.mbPerSecondFromRunning(), alone,
            alone.bestMbPerSecond() / cp.fetchMbPerSecond(), main.mbPerSecondFromRunning() / alone.bestMbPerSecond(),
            main.mbPerSecondFromRunning() / alone.firstMbPerSecond());
    }

    private void step(String what) {
        log.printf(Locale.ROOT, "[%d/%d %4.0f s] %s%n", ++phase, PHASES, (System.nanoTime() - startNanos) / 1e9, what);
        log.flush();
    }

    private String runId(String what) {
        return settings.training().runId() + "-" + what;
    }

    private static int epochsFor(TrainerConfig base, int steps) {
        return Math.max(1, (steps + base.stepsPerEpoch() - 1) / base.stepsPerEpoch());
    }

    private static BenchReport.StepTimes stepTimes(StepTimeBench.Stats alone, StepTimeBench.Stats probe,
                                                   StepTimeBench.Stats publishing, OptionalLong waitNanos, long steps) {
        Double waitMs = waitNanos.isPresent() ? waitNanos.getAsLong() / 1e6 / steps : null;
        String note = waitNanos.isPresent() ? "EventPublisher." + PublisherAccess.queueWaitAccessor() + "() over all steps"
            : "this build's EventPublisher does not count it";
        return new BenchReport.StepTimes(timing(alone), timing(probe), timing(publishing),
            probe.medianMs() / alone.medianMs(), publishing.medianMs() / alone.medianMs(),
            publishing.p90Ms() / alone.p90Ms(), waitMs, note);
    }

    private static BenchReport.Timing timing(StepTimeBench.Stats s) {
        return new BenchReport.Timing(s.steps(), s.medianMs(), s.meanMs(), s.p90Ms());
    }

    private static BenchReport.Live live(LiveLag.Result r) {
        return new BenchReport.Live(r.trainers(), r.layerStepBytes() / 1e6, r.analyzerSeconds(), r.analyzerMbPerSecond(),
            r.trainerMbPerSecond());
    }

    private static BenchReport.Lag lag(LiveLag.Result r) {
        return new BenchReport.Lag(r.trainers(), r.samples(), r.p50Ms(), r.p99Ms(), r.maxMs());
    }

    private void write(BenchReport report) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(settings.out().resolve("bench.json").toFile(), report);
        String markdown = markdown(report);
        Files.writeString(settings.out().resolve("bench.md"), markdown, StandardCharsets.UTF_8);
        log.printf(Locale.ROOT, "done in %.0f s%n%n", (System.nanoTime() - startNanos) / 1e9);
        log.print(markdown);
        log.printf("%nwritten: %s, %s%n", settings.out().resolve("bench.md"), settings.out().resolve("bench.json"));
        log.flush();
    }

    /** The Markdown file: what ran where, the table, how to read it. */
    static String markdown(BenchReport r) {
        var m = r.machine();
        var s = r.settings();
        StringBuilder sb = new StringBuilder();
        sb.append("# hebbscope bench\n\n");
        sb.append(String.format(Locale.ROOT, "%s; %d cores (%s), %s, %s, max heap %d MB, OMP_NUM_THREADS=%s, "
                + "load average %.2f at start.%n%n", r.createdAt(), m.cores(), m.cpu(), m.os(), m.java(), m.maxHeapMb(),
            m.ompNumThreads(), m.loadAverageAtStart()));
        sb.append(String.format(Locale.ROOT, "%s %s %s %s %s, batch %d, %s, publish every %d; step times over %d steps "
                + "after %d warm-up (%d with publishing); live lag over %d steps per trainer; %d partitions; recovery "
                + "trainer paced at %.0f steps/s.%n%n", s.task(), s.model(), s.widths(), s.activation(), s.rule(),
            s.batchSize(), s.dtype(), s.publishEvery(), s.measuredSteps(), s.warmupSteps(), s.publishingWarmupSteps(),
            s.lagStepsPerTrainer(), s.partitions(), s.recoveryStepsPerSecond()));
        sb.append(BenchTable.markdown(r.table()));
        sb.append("""

            MB = 10^6 bytes of layer-step record values (Kafka's tools count 2^20; converted). Ratios are hebbscope over
            the yardstick (step times: over training alone). Yardsticks ran on the same broker with the same settings:
            ProducerPerformance with EventPublisher's producer properties at the mean layer-step record size,
            ConsumerPerformance over the same layer-steps topic with the analyzer's fetch sizes and read_committed.
            "Kafka Streams reading only": an application with the analyzer's Kafka Streams settings (exactly-once,
            commit interval, fetch sizes) that reads the same topic and does nothing with it, the framework's own cost.
            "The analysis alone": the analyzer's topology in Kafka's TopologyTestDriver on one thread, fed the long log
            from memory (no broker, no exactly-once round trips): its first pass in a fresh JVM, as the main path's
            analyzer runs, and the fastest of %d, the code compiled: the cost of the analysis itself.
            CPU: from the launch of the long log's main-path analyzer to its last output (its JVM's and Kafka Streams'
            start included), each of its threads' time on a core and waiting for one (Linux's
            /proc/<pid>/task/*/schedstat), and the bench's JVM (the broker) over the same time; MB per CPU-second of its
            Kafka Streams threads is the rate their work allows on a core of their own.
            Lag: the step's hand-over to the publisher to its LayerAlignment visible to a read_committed consumer.
            """.formatted(ANALYSIS_ALONE_ROUNDS));
        return sb.toString();
    }

    static BenchReport.Machine machine() {
        String cpu = "unknown CPU";
        try {
            Path info = Path.of("/proc/cpuinfo");
            if (Files.isReadable(info)) {
                cpu = Files.readAllLines(info).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim().replaceAll("\\s+", " ")).orElse(cpu);
            }
        } catch (IOException e) {
            // keep "unknown CPU"
        }
        return new BenchReport.Machine(Runtime.getRuntime().availableProcessors(), cpu,
            System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
            "Java " + System.getProperty("java.version"), Runtime.getRuntime().maxMemory() / 1_000_000,
            System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"),
            Math.max(0, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    }

    /** Removes {@code dir} and everything under it, as far as it can (a work directory at the end of a run). */
    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
