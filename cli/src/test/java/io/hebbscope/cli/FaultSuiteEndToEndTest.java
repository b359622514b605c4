package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.AdmissionSettings;
import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.bench.ChildJvm;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, the fault suite: an {@code analyze} process is killed with SIGKILL three times (eight in the long suite,
 * {@code -Dhebbscope.faultSuite=long}) in the middle of two real runs while a flood of 10,000 records (40,000) of every
 * malformed kind is interleaved with them; each time it is restarted on the same state directory. It must end with
 * exactly what an uninterrupted replay of the same log writes: no result lost, none duplicated, the same values, and
 * the same dead letters, whose count per reason is what the flood sent.
 *
 * <p>The kills land during the run, not after it: the trainers are paced by the analyzer (a trainer's step {@code s}
 * waits until its run has the results of step {@code s - LAG}), so the analyzer always has a backlog of at most
 * {@code LAG} steps per run to work on, and kill {@code i} of {@code K} comes once {@code i/(K+1)} of the expected
 * results are written, whatever the machine's speed. While the analyzer is down the trainers run ahead up to the lag.
 */
class FaultSuiteEndToEndTest {
    private static final int PARTITIONS = 4;
    private static final Duration LIMIT = Duration.ofMinutes(10);
    /** Grace of records of unknown runs: well above the time an admission takes, even right after a restart. */
    private static final Duration GRACE = Duration.ofSeconds(20);
    private static final int MAX_ACTIVE_RUNS = 4;
    private static final int KILLS = FaultSuite.isLong() ? 8 : 3;
    private static final int EPOCHS = FaultSuite.isLong() ? 12 : 6;
    /** Steps per epoch of the runs below: 512 examples in batches of 64. */
    private static final int STEPS_PER_EPOCH = 8;
    private static final int LAYERS = 3;
    /** Steps a trainer may run ahead of its run's results: at most the steps between kills, so that none comes late. */
    private static final int LAG = Math.min(STEPS_PER_EPOCH, EPOCHS * STEPS_PER_EPOCH / (KILLS + 1));
    private static final int FLOOD_SCALE = FaultSuite.isLong() ? 4 : 1;
    /**
     * Records per kind of the runs topic (5 kinds: a compacted topic, whose broker turns away records without a key), and
     * per kind of the layer-steps and train-metrics topics (14 kinds): 10,000 in all (times the flood scale).
     */
    private static final int RUN_KINDS = 5;
    private static final int PER_RUN_KIND = 124 * FLOOD_SCALE;
    private static final int PER_KIND = 670 * FLOOD_SCALE;

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

    /** What the flood sent: records per malformed kind, and the dead letters expected per source topic and reason. */
    record Flood(Map<String, Integer> kinds, Map<String, Integer> reasons) {
        long records() {
            return kinds.values().stream().mapToLong(Integer::longValue).sum();
        }
    }

    @Test
    void anAnalyzerKilledThreeTimesUnderAFloodOfMalformedRecordsEndsWithWhatAnUninterruptedReplayWrites() throws Exception {
        long t0 = System.nanoTime();
        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        Topics in = new Topics("fs");
        Topics live = new Topics("fs-live");
        Topics replay = new Topics("fs-replay");
        for (Topics t : List.of(in, live, replay)) {
            TopicSetup.ensureTopics(client, t, PARTITIONS, (short) 1);
        }
        List<TrainerConfig> runs = List.of(
            TrainerConfig.builder().runId("fs-run-0").activation(Activation.RELU).initScale(0.1).learningRate(0.3)
                .trainSize(512).validationSize(64).batchSize(64).epochs(EPOCHS).seed(3).build(),
            TrainerConfig.builder().runId("fs-run-1").activation(Activation.TANH).learningRate(0.05)
                .trainSize(512).validationSize(64).batchSize(64).epochs(EPOCHS).seed(4).build());
        int stepsPerRun = EPOCHS * STEPS_PER_EPOCH;
        long expectedLayerSteps = (long) runs.size() * stepsPerRun * LAYERS;

        Path work = Files.createDirectories(dir.resolve("live"));
        List<String> analyze = List.of("analyze", "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", in.prefix(),
            "--output-topic-prefix", live.prefix(), "--application-id", "fs-live-app", "--state-dir",
            work.resolve("state").toString(), "--metrics-port", "-1", "--plugins", "none", "--partitions",
            Integer.toString(PARTITIONS), "--replication", "1", "--connect-timeout", "120", "--unknown-run-grace", GRACE.toSeconds() + "s",
            "--max-active-runs", Integer.toString(MAX_ACTIVE_RUNS));
        AnalyzerSettings settings = AnalyzerSettings.DEFAULTS.withAdmission(AdmissionSettings.DEFAULTS
            .withUnknownRunGrace(GRACE).withMaxActiveRuns(MAX_ACTIVE_RUNS));
        List<ChildJvm> analyzers = new ArrayList<>();
        long[] killedAt = new long[KILLS];
        Flood flood;
        Analyzer reference = null;
        List<String> timeline = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (FaultSuite.ResultsWatch results = new FaultSuite.ResultsWatch(client, live)) {
            analyzers.add(ChildJvm.start(work, "analyzer-0", Hebbscope.class.getName(), analyze));
            analyzers.get(0).awaitOutput(" running on ", LIMIT);
            timeline.add("analyzer running at " + FaultSuite.secondsSince(t0));
            List<Thread> trainers = new ArrayList<>();
            // The real runs finish (RunFinished) only after the flood's runs-topic records: they hold their places
            // among the active runs while those arrive, so the RunStarted beyond the cap are known in advance.
            CountDownLatch runsFlooded = new CountDownLatch(1);
            for (TrainerConfig c : runs) {
                TrainingListener gate = new TrainingListener() {
                    @Override
                    public void onStep(StepRecord step) {
                        // Called before the publisher's onStep: step s waits with steps 0..s-1 published.
                        try {
                            results.awaitRun(c.runId(), (step.step() - LAG) * LAYERS, () -> failure.get() != null);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }

                    @Override
                    public void onRunEnd(RunSummary summary) {
                        hold(runsFlooded);
                    }
                };
                Thread t = new Thread(() -> {
                    try (EventPublisher p = new EventPublisher(client, in, PublishPolicy.DEFAULT)) {
                        new Trainer(c).run(gate, p);
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "fs-" + c.runId());
                t.setDaemon(true);
                t.start();
                trainers.add(t);
            }
            // The flood starts once both runs have started: its runs-topic records come right after their RunStarted.
            await().atMost(LIMIT).pollInterval(Duration.ofMillis(100)).until(() ->
                failure.get() != null || TopicReader.readAll(client, in.runs()).stream().filter(RunStarted.class::isInstance)
                    .count() >= 2);
            assertThat(failure.get()).isNull();
            List<RunStarted> started = TopicReader.readAll(client, in.runs()).stream()
                .filter(RunStarted.class::isInstance).map(RunStarted.class::cast).toList();
            try {
                flood = flood(client, in, started.get(0), runsFlooded::countDown);
            } finally {
                runsFlooded.countDown();
            }
            timeline.add("flood written at " + FaultSuite.secondsSince(t0));

            // Kill i once i/(KILLS+1) of the results are written, then the same analyzer again on its state directory.
            for (int i = 1; i <= KILLS; i++) {
                long threshold = expectedLayerSteps * i / (KILLS + 1);
                ChildJvm running = analyzers.get(analyzers.size() - 1);
                await().atMost(LIMIT).pollInterval(Duration.ofMillis(20)).until(() ->
                    failure.get() != null || !running.isAlive() || results.total() >= threshold);
                assertThat(failure.get()).isNull();
                assertThat(running.isAlive()).as("%s is alive; output:%n%s", running.name(), running.outputTail()).isTrue();
                running.kill9();
                killedAt[i - 1] = results.total();
                long restart = System.nanoTime();
                ChildJvm next = ChildJvm.start(work, "analyzer-" + i, Hebbscope.class.getName(), analyze);
                analyzers.add(next);
                next.awaitOutput(" running on ", LIMIT);
                timeline.add("restart " + i + " at " + FaultSuite.secondsSince(t0) + " took " + FaultSuite.secondsSince(restart));
            }
            for (Thread t : trainers) {
                t.join(LIMIT.toMillis());
                assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
            }
            assertThat(failure.get()).isNull();
            timeline.add("trainers done at " + FaultSuite.secondsSince(t0));
            // The reference, an uninterrupted replay of the whole log, runs while the live analyzer catches up.
            reference = Analyzer.start(new Analyzer.Options(client, in, "fs-replay-app", dir.resolve("replay"), settings,
                "127.0.0.1", -1, PARTITIONS, (short) 1).withOutputTopics(replay), List.of());
            reference.awaitRunning(LIMIT);
            timeline.add("replay running at " + FaultSuite.secondsSince(t0));
            awaitResults(client, live, expectedLayerSteps, flood.records());
            timeline.add("live done at " + FaultSuite.secondsSince(t0));
            awaitResults(client, replay, expectedLayerSteps, flood.records());
            timeline.add("replay done at " + FaultSuite.secondsSince(t0));
        } finally {
            failure.compareAndSet(null, new IllegalStateException("the test ended")); // releases waiting trainers
            for (ChildJvm a : analyzers) {
                a.close();
            }
            if (reference != null) {
                reference.close();
            }
        }
        MultiInstanceEndToEndTest.Results liveResults = MultiInstanceEndToEndTest.Results.read(client, live);
        List<DeadLetter> liveDead = deadLetters(client, live);
        MultiInstanceEndToEndTest.Results replayResults = MultiInstanceEndToEndTest.Results.read(client, replay);
        List<DeadLetter> replayDead = deadLetters(client, replay);

        FaultSuite.Tally layers = FaultSuite.Tally.of(liveResults.layers(), replayResults.layers(),
            l -> l.getRunId() + "/" + l.getLayer() + "/" + l.getStep());
        FaultSuite.Tally neurons = FaultSuite.Tally.of(liveResults.neurons(), replayResults.neurons(),
            n -> n.getRunId() + "/" + n.getLayer() + "/" + n.getStep());
        System.out.println("fault suite (" + FaultSuite.mode() + "), SIGKILL: " + timeline);
        FaultSuite.Tally phaseEvents = FaultSuite.Tally.of(liveResults.phases(), replayResults.phases(),
            p -> p.getRunId() + "/" + p.getLayer() + "/" + p.getDecidedAtStep() + "/" + p.getKind());
        FaultSuite.Tally dead = FaultSuite.Tally.of(liveDead, replayDead,
            d -> d.getSourceTopic() + "/" + d.getPartition() + "/" + d.getOffset());
        Map<String, Integer> liveReasons = reasons(liveDead);
        System.out.printf("fault suite (%s), SIGKILL: kills %d (at %s of %d layer results), restarts %d on the same state "
                + "directory; flood of %d malformed records, per kind %s; dead letters per reason %s; against an "
                + "uninterrupted replay: layer results %s, neuron results %s, phase events %s, dead letters %s; lost %d, "
                + "duplicated %d; %s%n",
            FaultSuite.mode(), KILLS, java.util.Arrays.toString(killedAt), expectedLayerSteps, analyzers.size() - 1,
            flood.records(), flood.kinds(), liveReasons, layers, neurons, phaseEvents, dead,
            layers.lost() + neurons.lost() + phaseEvents.lost() + dead.lost(),
            layers.duplicated() + neurons.duplicated() + phaseEvents.duplicated() + dead.duplicated(), FaultSuite.secondsSince(t0));
        assertThat(java.util.Arrays.stream(killedAt).allMatch(k -> k < expectedLayerSteps)).as("every kill landed during the run")
            .isTrue();
        assertThat(analyzers).hasSize(KILLS + 1);
        assertThat(replayResults.layers()).hasSize((int) expectedLayerSteps);
        assertThat(replayResults.neurons()).hasSize((int) expectedLayerSteps);
        for (FaultSuite.Tally t : List.of(layers, neurons, phaseEvents, dead)) {
            assertThat(t.clean()).as("%s", t).isTrue();
        }
        assertThat(liveResults).isEqualTo(replayResults);
        assertThat(liveReasons).isEqualTo(flood.reasons());
        assertThat(liveDead).isEqualTo(replayDead);
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the output topics hold the expected results and dead letters; says what is there when they do not. */
    static void awaitResults(Properties client, Topics out, long layerSteps, long deadLetters) {
        try {
            await().atMost(LIMIT).pollInterval(Duration.ofSeconds(1)).until(() ->
                TopicReader.readAll(client, out.layerAlignment()).size() >= layerSteps
                    && TopicReader.readAll(client, out.neuronAlignment()).size() >= layerSteps
                    && TopicReader.readAll(client, out.deadLetters()).size() >= deadLetters);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(out.prefix() + ": " + TopicReader.readAll(client, out.layerAlignment()).size() + " of "
                + layerSteps + " layer results, " + TopicReader.readAll(client, out.neuronAlignment()).size()
                + " neuron results, dead letters " + reasons(deadLetters(client, out)) + " (" + deadLetters + " expected)", e);
        }
    }

    /** Dead letters without the wall-clock time they were written, sorted by where their record was read. */
    private static List<DeadLetter> deadLetters(Properties client, Topics out) {
        List<DeadLetter> all = new ArrayList<>(TopicReader.readAll(client, out.deadLetters()));
        all.forEach(d -> d.setTimestampMs(0L));
        all.sort(Comparator.comparing(DeadLetter::getSourceTopic).thenComparingInt(DeadLetter::getPartition)
            .thenComparingLong(DeadLetter::getOffset).thenComparing(DeadLetter::getReason));
        return all;
    }

    private static Map<String, Integer> reasons(List<DeadLetter> letters) {
        Map<String, Integer> out = new TreeMap<>();
        for (DeadLetter d : letters) {
            out.merge(d.getSourceTopic() + "/" + d.getReason().substring(0, d.getReason().indexOf(':')), 1, Integer::sum);
        }
        return out;
    }

    /**
     * Produces the flood: first the runs topic's kinds (two runs that start and never finish fill the active runs up
     * to the cap with the two real ones, then RunStarted beyond the cap, invalid ones, mismatched keys,
     * conflicting ones for a real run, undecodable bytes), then the layer-steps and train-metrics kinds in turn.
     * Returns the records sent per kind and the dead letters expected per source topic and reason.
     */
    private static Flood flood(Properties client, Topics in, RunStarted real, Runnable runsWritten) throws Exception {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        Map<String, Integer> kinds = new TreeMap<>();
        Map<String, Integer> expected = new TreeMap<>();
        String runs = in.runs().name();
        String steps = in.layerSteps().name();
        String metrics = in.trainMetrics().name();
        EventCodec codec = EventCodec.get();
        LayerShape shape = real.getLayers().get(0);
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> kafka = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            java.util.function.BiConsumer<String, ProducerRecord<String, byte[]>> producer = (kind, r) -> {
                if (kind != null) {
                    kinds.merge(kind, 1, Integer::sum);
                }
                kafka.send(r, (m, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e);
                    }
                });
            };
            for (int i = 0; i < MAX_ACTIVE_RUNS - 2; i++) {
                RunStarted filler = small("fs-filler-" + i, 10);
                producer.accept(null, new ProducerRecord<>(runs, Keys.runStarted(filler.getRunId()), codec.encode(filler)));
            }
            for (int i = 0; i < PER_RUN_KIND; i++) {
                RunStarted extra = small("fs-extra-" + i, 10);
                producer.accept("runs/beyond-cap", new ProducerRecord<>(runs, Keys.runStarted(extra.getRunId()), codec.encode(extra)));
                RunStarted invalid = switch (i % 4) {
                    case 0 -> RunStarted.newBuilder(small("fs-invalid-" + i, 10))
                        .setLayers(List.of(new LayerShape("layer0", 0, Integer.MAX_VALUE, 3, 4, 1))).build();
                    case 1 -> RunStarted.newBuilder(small("fs-invalid-" + i, 10))
                        .setLayers(List.of(new LayerShape("layer0", 0, 4, 3, 4, -3))).build();
                    case 2 -> RunStarted.newBuilder(small("fs-invalid-" + i, 10)).setTotalSteps(-5).build();
                    default -> RunStarted.newBuilder(small("fs-invalid-" + i, 10)).setPublishEvery(0).build();
                };
                producer.accept("runs/invalid", new ProducerRecord<>(runs, Keys.runStarted(invalid.getRunId()), codec.encode(invalid)));
                producer.accept("runs/key-mismatch", new ProducerRecord<>(runs, "someone-else/started",
                    codec.encode(small("fs-keyed-" + i, 10))));
                RunStarted conflicting = RunStarted.newBuilder(real).setSeed(real.getSeed() + 1 + i).build();
                producer.accept("runs/conflicting", new ProducerRecord<>(runs, Keys.runStarted(real.getRunId()),
                    codec.encode(conflicting)));
                producer.accept("runs/undecodable", new ProducerRecord<>(runs, "fs-garbage/started", new byte[] {7, 7, 7}));
            }
            expected.put(runs + "/too_many_runs", PER_RUN_KIND);
            expected.put(runs + "/invalid_run", PER_RUN_KIND);
            expected.put(runs + "/key_mismatch", PER_RUN_KIND);
            expected.put(runs + "/conflicting_run", PER_RUN_KIND);
            expected.put(runs + "/decode", PER_RUN_KIND);
            kafka.flush();
            runsWritten.run();
            for (int i = 0; i < PER_KIND; i++) {
                LayerStep own = step("fs-never-" + (i % 50), "layer0", 0, i, 4, 3, 1);
                producer.accept("layer-steps/undecodable", new ProducerRecord<>(steps, "fs-garbage/layer0/0", new byte[] {1, 2, 3}));
                producer.accept("layer-steps/null-key", new ProducerRecord<>(steps, null, codec.encode(own)));
                producer.accept("layer-steps/key-mismatch", new ProducerRecord<>(steps, "fs-never/other/9", codec.encode(own)));
                producer.accept("layer-steps/unknown-run", new ProducerRecord<>(steps, key(own), codec.encode(own)));
                LayerStep mismatched = step(real.getRunId(), shape.getName(), shape.getIndex(), i, 4, shape.getCols(), 1);
                LayerStep rows = LayerStep.newBuilder(mismatched).setLayerRows(999).build();
                producer.accept("layer-steps/rows-unlike-run", new ProducerRecord<>(steps, key(rows), codec.encode(rows)));
                LayerStep blocks = LayerStep.newBuilder(mismatched).setBlockCount(shape.getBlocks() + 2).build();
                producer.accept("layer-steps/blocks-unlike-run", new ProducerRecord<>(steps, key(blocks), codec.encode(blocks)));
                LayerStep badShape = LayerStep.newBuilder(own).setHebbian(TensorCodec.encode(new float[6], 2, 3)).build();
                producer.accept("layer-steps/bad-shape", new ProducerRecord<>(steps, key(badShape), codec.encode(badShape)));
                float[] nan = new float[12];
                nan[i % 12] = Float.NaN;
                LayerStep nonFinite = LayerStep.newBuilder(own).setUpdate(TensorCodec.encode(nan, 4, 3)).build();
                producer.accept("layer-steps/non-finite", new ProducerRecord<>(steps, key(nonFinite), codec.encode(nonFinite)));
                LayerStep badBlock = LayerStep.newBuilder(own).setBlockIndex(5).build();
                producer.accept("layer-steps/bad-block", new ProducerRecord<>(steps, key(badBlock), codec.encode(badBlock)));

                byte[] m = codec.encode(metrics(real.getRunId(), i, 0.5));
                producer.accept("train-metrics/key-mismatch", new ProducerRecord<>(metrics, "someone-else", m));
                producer.accept("train-metrics/null-key", new ProducerRecord<>(metrics, null, m));
                producer.accept("train-metrics/non-finite", new ProducerRecord<>(metrics, real.getRunId(),
                    codec.encode(metrics(real.getRunId(), i, Double.NaN))));
                producer.accept("train-metrics/unknown-run", new ProducerRecord<>(metrics, "fs-never-" + (i % 50),
                    codec.encode(metrics("fs-never-" + (i % 50), i, 0.5))));
                producer.accept("train-metrics/undecodable", new ProducerRecord<>(metrics, "fs-garbage",
                    new byte[] {(byte) 0xC3, 1, 9, 9, 9, 9, 9, 9, 9, 9, 0}));
            }
            kafka.flush();
        }
        assertThat(failed.get()).as("every record of the flood is written").isNull();
        for (String reason : List.of("decode", "null_key", "key_mismatch", "unknown_run", "shape", "non_finite", "invalid")) {
            expected.put(steps + "/" + reason, PER_KIND);
        }
        expected.put(steps + "/run_mismatch", 2 * PER_KIND);
        for (String reason : List.of("key_mismatch", "null_key", "non_finite", "unknown_run", "decode")) {
            expected.put(metrics + "/" + reason, PER_KIND);
        }
        Flood flood = new Flood(kinds, expected);
        assertThat(kinds).hasSize(RUN_KINDS + 14);
        assertThat(flood.records()).isEqualTo(RUN_KINDS * PER_RUN_KIND + 14L * PER_KIND)
            .isEqualTo(expected.values().stream().mapToLong(Integer::longValue).sum());
        return flood;
    }

    private static String key(LayerStep s) {
        return Keys.layerBlock(s.getRunId(), s.getLayer(), s.getBlockIndex());
    }

    private static RunStarted small(String runId, long totalSteps) {
        return RunStarted.newBuilder().setRunId(runId).setStartedAtMs(1).setTask("sre").setModel("mlp").setRule("sgd")
            .setSeed(1).setConfig(Map.of()).setLayers(List.of(new LayerShape("layer0", 0, 4, 3, 4, 1))).setStepsPerEpoch(10)
            .setTotalSteps(totalSteps).setSnapshotEvery(0).build();
    }

    private static StepMetrics metrics(String runId, long step, double loss) {
        return StepMetrics.newBuilder().setRunId(runId).setStep(step).setEpoch(0).setTrainLoss(loss).setLearningRate(0.1)
            .setTimestampMs(1).build();
    }

    private static LayerStep step(String runId, String layer, int index, long step, int rows, int cols, int blockCount) {
        return LayerStep.newBuilder().setRunId(runId).setLayer(layer).setLayerIndex(index).setStep(step)
            .setPreviousStep(step - 1).setEpoch(0).setBlockIndex(0).setBlockCount(blockCount).setRowOffset(0)
            .setLayerRows(rows).setLayerCols(cols).setGradient(ones(rows, cols)).setHebbian(ones(rows, cols))
            .setUpdate(ones(rows, cols)).setTimestampMs(1).build();
    }

    private static Tensor ones(int rows, int cols) {
        float[] v = new float[rows * cols];
        java.util.Arrays.fill(v, 1f);
        return TensorCodec.encode(v, rows, cols);
    }
}
