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
 * Issue 11, the fault suite: an `analyze` process is killed with SIGKILL in the middle of two real runs while a flood of
 * 10,000 records of every malformed kind is interleaved with them; restarted on its state, it must end with exactly
 * what an uninterrupted replay of the same log writes: no result lost, none duplicated, the same values, and the same
 * dead letters, whose count per reason is what the flood sent.
 */
class FaultSuiteEndToEndTest {
    private static final int PARTITIONS = 4;
    private static final Duration LIMIT = Duration.ofMinutes(10);
    /** Grace of records of unknown runs: well above the time an admission takes, even right after a restart. */
    private static final Duration GRACE = Duration.ofSeconds(20);
    private static final int MAX_ACTIVE_RUNS = 4;
    /**
     * Records per kind of the runs topic (5 kinds: a compacted topic, whose broker turns away records without a key), and
     * per kind of the layer-steps and train-metrics topics (14 kinds): 10,000 in all.
     */
    private static final int RUN_KINDS = 5;
    private static final int PER_RUN_KIND = 124;
    private static final int PER_KIND = 670;

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

    @Test
    void aKilledAnalyzerUnderAFloodOfMalformedRecordsEndsWithWhatAnUninterruptedReplayWrites() throws Exception {
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
                .trainSize(512).validationSize(64).batchSize(64).epochs(6).seed(3).build(),
            TrainerConfig.builder().runId("fs-run-1").activation(Activation.TANH).learningRate(0.05)
                .trainSize(512).validationSize(64).batchSize(64).epochs(6).seed(4).build());
        long expectedLayerSteps = 2L * 6 * 8 * 3; // runs x epochs x steps per epoch x layers

        Path work = Files.createDirectories(dir.resolve("live"));
        List<String> analyze = List.of("analyze", "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", in.prefix(),
            "--output-topic-prefix", live.prefix(), "--application-id", "fs-live-app", "--state-dir",
            work.resolve("state").toString(), "--metrics-port", "-1", "--plugins", "none", "--partitions",
            Integer.toString(PARTITIONS), "--replication", "1", "--connect-timeout", "120", "--unknown-run-grace", GRACE.toSeconds() + "s",
            "--max-active-runs", Integer.toString(MAX_ACTIVE_RUNS));
        ChildJvm first = ChildJvm.start(work, "analyzer-first", Hebbscope.class.getName(), analyze);
        ChildJvm second = null;
        Map<String, Integer> sent;
        try {
            first.awaitOutput(" running on ", LIMIT);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> trainers = new ArrayList<>();
            // The real runs finish (RunFinished) only after the flood's runs-topic records: they hold their places
            // among the active runs while those arrive, so the RunStarted beyond the cap are known in advance.
            CountDownLatch runsFlooded = new CountDownLatch(1);
            TrainingListener gate = new TrainingListener() {
                @Override
                public void onStep(StepRecord step) {
                }

                @Override
                public void onRunEnd(RunSummary summary) {
                    try {
                        runsFlooded.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            for (TrainerConfig c : runs) {
                Thread t = new Thread(() -> {
                    try (EventPublisher p = new EventPublisher(client, in, PublishPolicy.DEFAULT)) {
                        new Trainer(c).run(gate, p);
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "fs-" + c.runId());
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
                sent = flood(client, in, started.get(0), runsFlooded::countDown);
            } finally {
                runsFlooded.countDown();
            }

            // SIGKILL once a third of the results are written, then the same analyzer again on its state directory.
            await().atMost(LIMIT).pollInterval(Duration.ofMillis(200)).until(() ->
                failure.get() != null || TopicReader.readAll(client, live.layerAlignment()).size() >= expectedLayerSteps / 3);
            first.kill9();
            long killedAt = TopicReader.readAll(client, live.layerAlignment()).size();
            second = ChildJvm.start(work, "analyzer-second", Hebbscope.class.getName(), analyze);
            second.awaitOutput(" running on ", LIMIT);
            for (Thread t : trainers) {
                t.join(LIMIT.toMillis());
            }
            assertThat(failure.get()).isNull();
            long expectedDead = sent.values().stream().mapToLong(Integer::longValue).sum();
            awaitResults(client, live, expectedLayerSteps, expectedDead);
            System.out.printf("fault suite: analyzer killed with SIGKILL after %d of %d layer results, restarted%n", killedAt,
                expectedLayerSteps);
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
        MultiInstanceEndToEndTest.Results liveResults = MultiInstanceEndToEndTest.Results.read(client, live);
        List<DeadLetter> liveDead = deadLetters(client, live);

        // The reference: an uninterrupted replay of the same log.
        AnalyzerSettings settings = AnalyzerSettings.DEFAULTS.withAdmission(AdmissionSettings.DEFAULTS
            .withUnknownRunGrace(GRACE).withMaxActiveRuns(MAX_ACTIVE_RUNS));
        long expectedDead = sent.values().stream().mapToLong(Integer::longValue).sum();
        try (Analyzer one = Analyzer.start(new Analyzer.Options(client, in, "fs-replay-app", dir.resolve("replay"), settings,
            "127.0.0.1", -1, PARTITIONS, (short) 1).withOutputTopics(replay), List.of())) {
            one.awaitRunning(LIMIT);
            awaitResults(client, replay, expectedLayerSteps, expectedDead);
        }
        MultiInstanceEndToEndTest.Results replayResults = MultiInstanceEndToEndTest.Results.read(client, replay);
        List<DeadLetter> replayDead = deadLetters(client, replay);

        Map<String, Integer> liveReasons = reasons(liveDead);
        System.out.printf("fault suite: %d layer, %d neuron results and %d phase events live and in the replay "
                + "(lost 0, duplicated 0 when equal); %d dead letters of a flood of %d malformed records: %s%n",
            liveResults.layers().size(), liveResults.neurons().size(), liveResults.phases().size(), liveDead.size(),
            expectedDead, liveReasons);
        assertThat(liveResults.layers()).hasSize((int) expectedLayerSteps);
        assertThat(liveResults.neurons()).hasSize((int) expectedLayerSteps);
        assertThat(replayResults.layers()).hasSize((int) expectedLayerSteps);
        assertThat(liveResults).isEqualTo(replayResults);
        assertThat(liveReasons).isEqualTo(sent);
        assertThat(liveDead).isEqualTo(replayDead);
    }

    /** Waits until the output topics hold the expected results and dead letters; says what is there when they do not. */
    private static void awaitResults(Properties client, Topics out, long layerSteps, long deadLetters) {
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
     * Returns the dead letters expected per source topic and reason.
     */
    private static Map<String, Integer> flood(Properties client, Topics in, RunStarted real, Runnable runsWritten)
        throws Exception {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        Map<String, Integer> expected = new TreeMap<>();
        String runs = in.runs().name();
        String steps = in.layerSteps().name();
        String metrics = in.trainMetrics().name();
        EventCodec codec = EventCodec.get();
        LayerShape shape = real.getLayers().get(0);
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> kafka = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            java.util.function.Consumer<ProducerRecord<String, byte[]>> producer = r -> kafka.send(r, (m, e) -> {
                if (e != null) {
                    failed.compareAndSet(null, e);
                }
            });
            for (int i = 0; i < MAX_ACTIVE_RUNS - 2; i++) {
                RunStarted filler = small("fs-filler-" + i, 10);
                producer.accept(new ProducerRecord<>(runs, Keys.runStarted(filler.getRunId()), codec.encode(filler)));
            }
            for (int i = 0; i < PER_RUN_KIND; i++) {
                RunStarted extra = small("fs-extra-" + i, 10);
                producer.accept(new ProducerRecord<>(runs, Keys.runStarted(extra.getRunId()), codec.encode(extra)));
                RunStarted invalid = switch (i % 4) {
                    case 0 -> RunStarted.newBuilder(small("fs-invalid-" + i, 10))
                        .setLayers(List.of(new LayerShape("layer0", 0, Integer.MAX_VALUE, 3, 4, 1))).build();
                    case 1 -> RunStarted.newBuilder(small("fs-invalid-" + i, 10))
                        .setLayers(List.of(new LayerShape("layer0", 0, 4, 3, 4, -3))).build();
                    case 2 -> RunStarted.newBuilder(small("fs-invalid-" + i, 10)).setTotalSteps(-5).build();
                    default -> RunStarted.newBuilder(small("fs-invalid-" + i, 10)).setPublishEvery(0).build();
                };
                producer.accept(new ProducerRecord<>(runs, Keys.runStarted(invalid.getRunId()), codec.encode(invalid)));
                producer.accept(new ProducerRecord<>(runs, "someone-else/started", codec.encode(small("fs-keyed-" + i, 10))));
                RunStarted conflicting = RunStarted.newBuilder(real).setSeed(real.getSeed() + 1 + i).build();
                producer.accept(new ProducerRecord<>(runs, Keys.runStarted(real.getRunId()), codec.encode(conflicting)));
                producer.accept(new ProducerRecord<>(runs, "fs-garbage/started", new byte[] {7, 7, 7}));
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
                producer.accept(new ProducerRecord<>(steps, "fs-garbage/layer0/0", new byte[] {1, 2, 3}));
                producer.accept(new ProducerRecord<>(steps, null, codec.encode(own)));
                producer.accept(new ProducerRecord<>(steps, "fs-never/other/9", codec.encode(own)));
                producer.accept(new ProducerRecord<>(steps, key(own), codec.encode(own)));
                LayerStep mismatched = step(real.getRunId(), shape.getName(), shape.getIndex(), i, 4, shape.getCols(), 1);
                LayerStep rows = LayerStep.newBuilder(mismatched).setLayerRows(999).build();
                producer.accept(new ProducerRecord<>(steps, key(rows), codec.encode(rows)));
                LayerStep blocks = LayerStep.newBuilder(mismatched).setBlockCount(shape.getBlocks() + 2).build();
                producer.accept(new ProducerRecord<>(steps, key(blocks), codec.encode(blocks)));
                LayerStep badShape = LayerStep.newBuilder(own).setHebbian(TensorCodec.encode(new float[6], 2, 3)).build();
                producer.accept(new ProducerRecord<>(steps, key(badShape), codec.encode(badShape)));
                float[] nan = new float[12];
                nan[i % 12] = Float.NaN;
                LayerStep nonFinite = LayerStep.newBuilder(own).setUpdate(TensorCodec.encode(nan, 4, 3)).build();
                producer.accept(new ProducerRecord<>(steps, key(nonFinite), codec.encode(nonFinite)));
                LayerStep badBlock = LayerStep.newBuilder(own).setBlockIndex(5).build();
                producer.accept(new ProducerRecord<>(steps, key(badBlock), codec.encode(badBlock)));

                byte[] m = codec.encode(metrics(real.getRunId(), i, 0.5));
                producer.accept(new ProducerRecord<>(metrics, "someone-else", m));
                producer.accept(new ProducerRecord<>(metrics, null, m));
                producer.accept(new ProducerRecord<>(metrics, real.getRunId(), codec.encode(metrics(real.getRunId(), i, Double.NaN))));
                producer.accept(new ProducerRecord<>(metrics, "fs-never-" + (i % 50), codec.encode(metrics("fs-never-" + (i % 50), i, 0.5))));
                producer.accept(new ProducerRecord<>(metrics, "fs-garbage", new byte[] {(byte) 0xC3, 1, 9, 9, 9, 9, 9, 9, 9, 9, 0}));
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
        assertThat(expected.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(RUN_KINDS * PER_RUN_KIND + 14 * PER_KIND);
        return expected;
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
