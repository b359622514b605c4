package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.bench.ChildJvm;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.schema.TrainerCheckpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 11, item 4: a crashed trainer resumes from the log. A {@code train} child JVM (an SRE MLP with weight and
 * gradient noise, SGD, and the same with Adam) is killed with SIGKILL in the middle of its run, after a checkpoint past
 * step 0 and with steps published after that checkpoint; {@code train --resume} continues it to the end; the analyzer
 * then holds, for every step, exactly what it holds for an uninterrupted run of the same config and seed under another
 * run id: the same losses and the same neuron and layer alignments. The steps published twice (after the checkpoint,
 * before the kill) are counted as duplicates and change nothing. Refusals (unknown run, finished run, no checkpoint,
 * training options beside --resume) end with one line and their exit code.
 *
 * <p>The kill lands mid-run whatever the machine's speed: the crashed trainer runs with {@code --max-lag 0.3} and no
 * analyzer, so it holds its training 0.3 s after its first step (for up to a minute), and the test kills it once the
 * log holds a checkpoint past step 0 and a later step.
 */
class ResumeEndToEndTest {
    private static final int PARTITIONS = 3;
    private static final Duration LIMIT = Duration.ofMinutes(8);
    private static final int EPOCHS = 60;
    /** 512 examples in batches of 64. */
    private static final int STEPS_PER_EPOCH = 8;
    private static final int LAYERS = 3;
    private static final int SNAPSHOT_EVERY = 8;
    /** Adam's allowed difference (losses relative, alignments absolute): its state travels in float32 bit for bit too. */
    private static final double ADAM_TOLERANCE = 1e-6;

    private static EmbeddedKafkaBroker broker;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** One crash-and-resume run and its uninterrupted twin. */
    record Scenario(String run, String reference, List<String> options, double tolerance) {}

    @Test
    void aTrainerKilledMidRunAndResumedFromTheLogGivesTheAnalyzerWhatAnUninterruptedRunGives() throws Exception {
        long t0 = System.nanoTime();
        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        Topics topics = new Topics("rs");
        TopicSetup.ensureTopics(client, topics, PARTITIONS, (short) 1);
        List<Scenario> scenarios = List.of(
            new Scenario("rs-sgd", "rs-sgd-ref", List.of("--rule", "sgd", "--learning-rate", "0.05"), 0),
            new Scenario("rs-adam", "rs-adam-ref", List.of("--rule", "adam", "--learning-rate", "0.005"), ADAM_TOLERANCE));
        long totalSteps = (long) EPOCHS * STEPS_PER_EPOCH;
        Path work = Files.createDirectories(dir.resolve("work"));
        List<ChildJvm> children = new ArrayList<>();
        Analyzer analyzer = null;
        Map<String, Long> killedAfter = new LinkedHashMap<>();
        Map<String, String> resumeLines = new LinkedHashMap<>();
        try {
            // 1. The runs to crash, both at once; each is killed once the log holds a checkpoint past step 0 and a step
            // after that checkpoint (the trainer holds its training 0.3 s in: no analyzer follows it yet).
            Map<String, ChildJvm> crashing = new LinkedHashMap<>();
            for (Scenario s : scenarios) {
                ChildJvm child = ChildJvm.start(work, s.run(), Hebbscope.class.getName(),
                    train(s.run(), s.options(), "--max-lag", "0.3"));
                children.add(child);
                crashing.put(s.run(), child);
            }
            for (var e : crashing.entrySet()) {
                String run = e.getKey();
                ChildJvm child = e.getValue();
                await().atMost(LIMIT).pollInterval(Duration.ofMillis(50)).until(() -> {
                    if (!child.isAlive()) {
                        throw new AssertionError(run + " ended before it was killed:\n" + child.outputTail());
                    }
                    long checkpoint = latestCheckpointStep(client, topics, run);
                    return checkpoint >= SNAPSHOT_EVERY && lastMetricsStep(client, topics, run) > checkpoint;
                });
                child.kill9();
                killedAfter.put(run, lastMetricsStep(client, topics, run));
            }
            assertThat(runFinished(client, topics, "rs-sgd")).isNull();

            // 2. The analyzer, then the resumed runs and the uninterrupted ones.
            analyzer = Analyzer.start(new Analyzer.Options(client, topics, "rs-analyzer", dir.resolve("state"),
                AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, PARTITIONS, (short) 1));
            analyzer.awaitRunning(LIMIT);
            Map<String, ChildJvm> finishing = new LinkedHashMap<>();
            for (Scenario s : scenarios) {
                List<String> resume = new ArrayList<>(List.of("train", "--resume", s.run()));
                resume.addAll(kafkaOptions());
                finishing.put(s.run(), ChildJvm.start(work, s.run() + "-resumed", Hebbscope.class.getName(), resume));
                finishing.put(s.reference(), ChildJvm.start(work, s.reference(), Hebbscope.class.getName(),
                    train(s.reference(), s.options())));
            }
            children.addAll(finishing.values());
            for (var e : finishing.entrySet()) {
                ChildJvm c = e.getValue();
                await().atMost(LIMIT).pollInterval(Duration.ofMillis(100)).until(() -> !c.isAlive());
                assertThat(c.exitValue()).as("%s exit; output:%n%s", c.name(), c.outputTail()).isZero();
                Matcher m = Pattern.compile("resuming run \\S+ after step \\d+ .*").matcher(c.output());
                if (m.find()) {
                    resumeLines.put(e.getKey(), m.group());
                }
            }
            assertThat(resumeLines).hasSize(scenarios.size());

            // 3. Every step of every run analyzed, and every record published twice counted as a duplicate.
            Map<String, Long> duplicates = expectedDuplicates(client, topics);
            Analyzer a = analyzer;
            await().atMost(LIMIT).pollInterval(Duration.ofMillis(500)).until(() ->
                counted(a, topics.layerSteps().name()) >= duplicates.get("layer-steps")
                    && counted(a, topics.trainMetrics().name()) >= duplicates.get("train-metrics")
                    && TopicReader.readAll(client, topics.layerAlignment()).size() >= 4 * totalSteps * LAYERS
                    && TopicReader.readAll(client, topics.neuronAlignment()).size() >= 4 * totalSteps * LAYERS);
            long layerDuplicates = (long) counted(a, topics.layerSteps().name());
            long metricsDuplicates = (long) counted(a, topics.trainMetrics().name());
            // at least once each: the counters are not transactional, so a batch the analyzer's exactly-once processing
            // redoes (an aborted transaction) counts again; that the duplicates changed nothing shows in the outputs below
            assertThat(layerDuplicates).isGreaterThanOrEqualTo(duplicates.get("layer-steps"));
            assertThat(metricsDuplicates).isGreaterThanOrEqualTo(duplicates.get("train-metrics"));

            List<LayerAlignment> layers = TopicReader.readAll(client, topics.layerAlignment());
            List<NeuronAlignment> neurons = TopicReader.readAll(client, topics.neuronAlignment());
            List<PhaseEvent> phases = TopicReader.readAll(client, topics.phases());
            List<StepMetrics> metrics = TopicReader.readAll(client, topics.trainMetrics());
            List<SpecificRecord> runs = TopicReader.readAll(client, topics.runs());
            for (Scenario s : scenarios) {
                long resumedAt = Long.parseLong(resumeLines.get(s.run()).replaceAll(".* after step (\\d+) .*", "$1")) + 1;
                long republished = killedAfter.get(s.run()) - resumedAt + 1;
                // one RunStarted (not published again), one RunFinished of the whole run
                assertThat(runs.stream().filter(r -> r instanceof RunStarted st && st.getRunId().equals(s.run()))).hasSize(1);
                RunFinished finished = runFinished(client, topics, s.run());
                assertThat(finished).isNotNull();
                assertThat(finished.getStatus()).isEqualTo("completed");
                assertThat(finished.getSteps()).isEqualTo(totalSteps);
                assertThat(resumedAt).isGreaterThan(SNAPSHOT_EVERY).isLessThanOrEqualTo(killedAfter.get(s.run()) + 1);

                // losses: the first StepMetrics of each step (the analyzer keeps the first) against the reference's
                Map<Long, StepMetrics> mine = firstPerStep(metrics, s.run());
                Map<Long, StepMetrics> ref = firstPerStep(metrics, s.reference());
                assertThat(mine.keySet()).hasSize((int) totalSteps).isEqualTo(ref.keySet());
                double lossDiff = 0;
                double republishedDiff = 0;
                for (long step = 0; step < totalSteps; step++) {
                    lossDiff = Math.max(lossDiff, relative(mine.get(step).getTrainLoss(), ref.get(step).getTrainLoss()));
                    if (s.tolerance() == 0) {
                        assertThat(normalized(mine.get(step))).as("%s step %d", s.run(), step).isEqualTo(normalized(ref.get(step)));
                    }
                }
                for (StepMetrics again : metrics) {
                    if (again.getRunId().equals(s.run()) && again != mine.get(again.getStep())) {
                        republishedDiff = Math.max(republishedDiff,
                            relative(again.getTrainLoss(), mine.get(again.getStep()).getTrainLoss()));
                    }
                }
                assertThat(lossDiff).as("%s losses", s.run()).isLessThanOrEqualTo(s.tolerance());

                // alignments, per layer and step, with the run id aside
                double layerDiff = compare(byLayerStep(layers, s.run(), l -> l.getLayer() + "/" + l.getStep()),
                    byLayerStep(layers, s.reference(), l -> l.getLayer() + "/" + l.getStep()), s.tolerance());
                double neuronDiff = compare(byLayerStep(neurons, s.run(), n -> n.getLayer() + "/" + n.getStep()),
                    byLayerStep(neurons, s.reference(), n -> n.getLayer() + "/" + n.getStep()), s.tolerance());
                double phaseDiff = compare(byLayerStep(phases, s.run(), p -> p.getLayer() + "/" + p.getDecidedAtStep() + "/"
                    + p.getKind()), byLayerStep(phases, s.reference(), p -> p.getLayer() + "/" + p.getDecidedAtStep() + "/"
                    + p.getKind()), s.tolerance());
                System.out.printf(Locale.ROOT, "resume (%s): killed after step %d, %s; %d steps published twice; losses of "
                        + "%d steps against the uninterrupted run: largest relative difference %.3g; republished losses "
                        + "against the first: %.3g; %d layer and %d neuron alignments, %d phase events: largest difference "
                        + "%.3g / %.3g / %.3g (tolerance %s)%n", s.run(), killedAfter.get(s.run()), resumeLines.get(s.run()),
                    republished, totalSteps, lossDiff, republishedDiff, totalSteps * LAYERS, totalSteps * LAYERS,
                    phases.stream().filter(p -> p.getRunId().equals(s.run())).count(), layerDiff, neuronDiff, phaseDiff,
                    s.tolerance() == 0 ? "none: identical" : s.tolerance());
                assertThat(republished).isGreaterThanOrEqualTo(0);
            }
            System.out.printf(Locale.ROOT, "resume: records published twice %d layer-steps, %d train-metrics; counted as "
                + "duplicates by the analyzer %d, %d; %s%n", duplicates.get("layer-steps"), duplicates.get("train-metrics"),
                layerDuplicates, metricsDuplicates, FaultSuite.secondsSince(t0));
            assertThat(layers).hasSize((int) (4 * totalSteps * LAYERS));
            assertThat(neurons).hasSize((int) (4 * totalSteps * LAYERS));

            // 4. Refusals, in-process: one line each.
            publishBareRunStarted(client, topics, "rs-bare");
            List<String> withOptions = new ArrayList<>(List.of(resumeArgs("rs-sgd")));
            withOptions.addAll(List.of("--epochs", "3", "--seed", "2"));
            assertRefused(2, "--resume continues run rs-sgd with the options it started with (its RunStarted); drop "
                + "--epochs, --seed", withOptions.toArray(String[]::new));
            assertRefused(1, "cannot resume run rs-nope: no RunStarted of it on rs.runs", resumeArgs("rs-nope"));
            assertRefused(1, "cannot resume run rs-sgd-ref: it has finished (completed after " + totalSteps + " steps)",
                resumeArgs("rs-sgd-ref"));
            assertRefused(1, "cannot resume run rs-sgd: it has finished", resumeArgs("rs-sgd"));
            assertRefused(1, "cannot resume run rs-bare: no complete checkpoint of it on rs.checkpoints", resumeArgs("rs-bare"));
        } finally {
            for (ChildJvm c : children) {
                c.close();
            }
            if (analyzer != null) {
                analyzer.close();
            }
        }
    }

    private static List<String> kafkaOptions() {
        return List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", "rs", "--partitions",
            Integer.toString(PARTITIONS), "--connect-timeout", "120", "--no-progress");
    }

    /** A train command line: a small SRE MLP with weight decay, weight noise and gradient noise. */
    private static List<String> train(String runId, List<String> rule, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--run-id", runId, "--train-size", "512", "--validation-size",
            "64", "--batch-size", "64", "--epochs", Integer.toString(EPOCHS), "--widths", "16-32-32-8", "--weight-decay",
            "1e-3", "--noise", "1e-4", "--gradient-noise", "1e-4", "--seed", "5", "--snapshot-every",
            Integer.toString(SNAPSHOT_EVERY)));
        args.addAll(rule);
        args.addAll(kafkaOptions());
        args.addAll(List.of(extra));
        return args;
    }

    private static String[] resumeArgs(String run) {
        List<String> args = new ArrayList<>(List.of("train", "--resume", run));
        args.addAll(kafkaOptions());
        return args.toArray(String[]::new);
    }

    private static void assertRefused(int exit, String message, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        assertThat(code).as("exit of %s; err: %s", String.join(" ", args), err).isEqualTo(exit);
        assertThat(err.toString()).contains(message);
        if (exit == 1) {
            assertThat(err.toString().strip().lines().count()).as("one line: %s", err).isEqualTo(1);
        }
    }

    /** The highest step of a complete checkpoint of {@code run}, -1 when none. */
    private static long latestCheckpointStep(Properties client, Topics topics, String run) {
        Map<Long, Integer> parts = new TreeMap<>();
        long best = -1;
        for (TrainerCheckpoint c : TopicReader.readAll(client, topics.checkpoints())) {
            if (c.getRunId().equals(run)) {
                int n = parts.merge(c.getStep(), 1, Integer::sum);
                if (n == c.getParts()) {
                    best = Math.max(best, c.getStep());
                }
            }
        }
        return best;
    }

    private static long lastMetricsStep(Properties client, Topics topics, String run) {
        return TopicReader.readAll(client, topics.trainMetrics()).stream().filter(m -> m.getRunId().equals(run))
            .mapToLong(StepMetrics::getStep).max().orElse(-1);
    }

    private static RunFinished runFinished(Properties client, Topics topics, String run) {
        return TopicReader.readAll(client, topics.runs()).stream()
            .filter(r -> r instanceof RunFinished f && f.getRunId().equals(run)).map(RunFinished.class::cast)
            .findFirst().orElse(null);
    }

    /**
     * Records read more than once by the analyzer's admission: per input topic, the records of the topic minus its
     * distinct (run, layer, step, block) or (run, step) keys.
     */
    private static Map<String, Long> expectedDuplicates(Properties client, Topics topics) {
        List<LayerStep> steps = TopicReader.readAll(client, topics.layerSteps());
        long distinctSteps = steps.stream().map(s -> s.getRunId() + "/" + s.getLayer() + "/" + s.getStep() + "/"
            + s.getBlockIndex()).distinct().count();
        List<StepMetrics> metrics = TopicReader.readAll(client, topics.trainMetrics());
        long distinctMetrics = metrics.stream().map(m -> m.getRunId() + "/" + m.getStep()).distinct().count();
        return Map.of("layer-steps", steps.size() - distinctSteps, "train-metrics", metrics.size() - distinctMetrics);
    }

    private static double counted(Analyzer a, String topic) {
        return a.metrics().duplicateRecords.labelValues(topic).get();
    }

    private static Map<Long, StepMetrics> firstPerStep(List<StepMetrics> all, String run) {
        Map<Long, StepMetrics> out = new TreeMap<>();
        all.stream().filter(m -> m.getRunId().equals(run)).forEach(m -> out.putIfAbsent(m.getStep(), m));
        return out;
    }

    /** The StepMetrics without what differs between two runs of the same config: run id and wall-clock time. */
    private static StepMetrics normalized(StepMetrics m) {
        return StepMetrics.newBuilder(m).setRunId("run").setTimestampMs(0L).build();
    }

    private static double relative(double a, double b) {
        return a == b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    }

    private static <T extends SpecificRecord> Map<String, T> byLayerStep(List<T> records, String run,
                                                                        java.util.function.Function<T, String> key) {
        Map<String, T> out = new TreeMap<>();
        for (T r : records) {
            if (run.equals(r.get(r.getSchema().getField("runId").pos()).toString())) {
                T previous = out.put(key.apply(r), r);
                assertThat(previous).as("one %s per key %s of %s", r.getSchema().getName(), key.apply(r), run).isNull();
            }
        }
        return out;
    }

    /**
     * Compares two runs' records key by key, every field but the run id: equal with tolerance 0, else numbers and tensor
     * values within it (absolute). Returns the largest difference seen.
     */
    private static <T extends SpecificRecord> double compare(Map<String, T> mine, Map<String, T> ref, double tolerance) {
        assertThat(mine.keySet()).isEqualTo(ref.keySet());
        double largest = 0;
        for (var e : mine.entrySet()) {
            T a = e.getValue();
            T b = ref.get(e.getKey());
            for (Schema.Field f : a.getSchema().getFields()) {
                if (f.name().equals("runId")) {
                    continue;
                }
                double d = difference(a.get(f.pos()), b.get(f.pos()));
                largest = Math.max(largest, d);
                assertThat(d).as("%s %s %s: %s vs %s", a.getSchema().getName(), e.getKey(), f.name(), a.get(f.pos()),
                    b.get(f.pos())).isLessThanOrEqualTo(tolerance);
            }
        }
        return largest;
    }

    private static double difference(Object a, Object b) {
        if (a instanceof Double x && b instanceof Double y) {
            return x.equals(y) ? 0 : Math.abs(x - y);
        }
        if (a instanceof Tensor x && b instanceof Tensor y) {
            if (x.getRows() != y.getRows() || x.getCols() != y.getCols()) {
                return Double.POSITIVE_INFINITY;
            }
            double[] u = TensorCodec.decodeDoubles(x);
            double[] v = TensorCodec.decodeDoubles(y);
            double d = 0;
            for (int i = 0; i < u.length; i++) {
                d = Math.max(d, Double.compare(u[i], v[i]) == 0 ? 0 : Math.abs(u[i] - v[i]));
            }
            return d;
        }
        return java.util.Objects.equals(a, b) ? 0 : Double.POSITIVE_INFINITY;
    }

    /** A RunStarted with no checkpoint and no RunFinished: a run that cannot be resumed. */
    private static void publishBareRunStarted(Properties client, Topics topics, String run) throws Exception {
        RunStarted started = RunStarted.newBuilder().setRunId(run).setStartedAtMs(1).setTask("sre").setModel("mlp")
            .setRule("sgd").setSeed(1).setConfig(Map.of()).setLayers(List.of(new LayerShape("layer0", 0, 4, 3, 4, 1)))
            .setStepsPerEpoch(10).setTotalSteps(10).setSnapshotEvery(5).build();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topics.runs().name(), Keys.runStarted(run), EventCodec.get().encode(started))).get();
        }
    }
}
