package io.hebbscope.analyzer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.analyzer.AdmissionSettings;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Topics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, items 1-3 and the admission of runs: a run is analyzed only after a valid RunStarted; records of runs that
 * never start wait for the grace period, then go to the dead letters; the runs tracked at once and the metric series
 * are bounded; every record read is accepted, a counted duplicate, or a dead letter with its reason.
 */
class AdmissionTest {
    private static final Duration GRACE = Duration.ofSeconds(30);
    private final Topics topics = new Topics("adm");
    private PrometheusRegistry registry;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> layerSteps;
    private TestInputTopic<String, byte[]> trainMetrics;
    private TestInputTopic<String, byte[]> runs;
    private TestOutputTopic<String, LayerAlignment> layers;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;

    @TempDir
    Path stateDir;

    private void start(AdmissionSettings admission) {
        registry = new PrometheusRegistry();
        StreamsBuilder builder = new StreamsBuilder();
        AnalyzerSettings settings = new AnalyzerSettings(0.25, 0.1, 4, 8).withAdmission(admission);
        AnalyzerMetrics metrics = new AnalyzerMetrics(registry, 8, AnalyzerMetrics.DEFAULT_FINISHED_RUN_RETENTION,
            System::currentTimeMillis, admission.maxActiveRuns());
        AnalyzerTopology.build(builder, topics, settings, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "admission-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props);
        layerSteps = driver.createInputTopic(topics.layerSteps().name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        trainMetrics = driver.createInputTopic(topics.trainMetrics().name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        runs = driver.createInputTopic(topics.runs().name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
        layers = driver.createOutputTopic(topics.layerAlignment().name(), Serdes.String().deserializer(),
            topics.layerAlignment().valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(topics.deadLetters().name(), Serdes.ByteArray().deserializer(),
            topics.deadLetters().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    private static LayerStepFixture layer(String run, int steps) {
        long[] s = new long[steps];
        for (int i = 0; i < steps; i++) {
            s[i] = i;
        }
        return new LayerStepFixture(run, "layer0", 0, 4, 3, 1, false, s, run.hashCode());
    }

    private void send(LayerStep step) {
        layerSteps.pipeInput(Keys.layerBlock(step.getRunId(), step.getLayer(), step.getBlockIndex()), EventCodec.get().encode(step));
    }

    private void started(RunStarted r) {
        runs.pipeInput(Keys.runStarted(r.getRunId()), EventCodec.get().encode(r));
    }

    private void finished(String run) {
        runs.pipeInput(Keys.runFinished(run), EventCodec.get().encode(new RunFinished(run, 2L, 3L, "completed", 0.5, null)));
    }

    private static byte[] stepMetrics(String run, long step) {
        return EventCodec.get().encode(StepMetrics.newBuilder().setRunId(run).setStep(step).setEpoch(0).setTrainLoss(0.25)
            .setLearningRate(0.1).setTimestampMs(1).setWeightNorms(List.of(1.0)).build());
    }

    @Test
    void recordsOfRunsThatNeverStartedAreNotAnalyzedAndGoToTheDeadLettersAfterTheGracePeriod() {
        start(AdmissionSettings.DEFAULTS.withUnknownRunGrace(GRACE));
        for (int i = 0; i < 50; i++) {
            LayerStepFixture f = layer("fake-" + i, 2);
            f.blocksOf(0).forEach(this::send);
            f.blocksOf(1).forEach(this::send);
            trainMetrics.pipeInput("fake-" + i, stepMetrics("fake-" + i, 1));
        }
        assertThat(layers.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).as("they wait for their RunStarted").isTrue();
        assertThat(series()).noneMatch(l -> l.contains("run=\"fake-"));
        assertThat(series()).contains("hebbscope_runs{state=\"running\"} 0.0");

        driver.advanceWallClockTime(GRACE.plusSeconds(1));
        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).hasSize(150).allSatisfy(d -> assertThat(d.getReason()).startsWith("unknown_run: "));
        assertThat(letters).filteredOn(d -> d.getSourceTopic().equals(topics.layerSteps().name())).hasSize(100)
            .allSatisfy(d -> assertThat(d.getOffset()).isBetween(0L, 99L));
        assertThat(letters).filteredOn(d -> d.getSourceTopic().equals(topics.trainMetrics().name())).hasSize(50);
        assertThat(layers.isEmpty()).isTrue();
        assertThat(series()).noneMatch(l -> l.contains("run=\"fake-"));
        assertThat(counters("hebbscope_dead_letters")).containsEntry("adm.layer-steps/unknown_run", 100.0)
            .containsEntry("adm.train-metrics/unknown_run", 50.0);
    }

    @Test
    void stepsPublishedBeforeTheRunStartedArriveWaitAndAreAnalyzedAsIfInOrder() {
        start(AdmissionSettings.DEFAULTS.withUnknownRunGrace(GRACE));
        LayerStepFixture f = layer("late-start", 5);
        started(LayerStepFixture.runStarted("late-start", 5, f.shape()));
        for (int s = 0; s < 5; s++) {
            f.blocksOf(s).forEach(this::send);
        }
        List<LayerAlignment> inOrder = layers.readValuesToList();
        assertThat(inOrder).hasSize(5);
        stop();

        start(AdmissionSettings.DEFAULTS.withUnknownRunGrace(GRACE));
        for (int s = 0; s < 5; s++) {
            f.blocksOf(s).forEach(this::send);
        }
        trainMetrics.pipeInput("late-start", stepMetrics("late-start", 4));
        assertThat(layers.isEmpty()).isTrue();
        driver.advanceWallClockTime(GRACE.dividedBy(2));
        started(LayerStepFixture.runStarted("late-start", 5, f.shape()));
        assertThat(layers.readValuesToList()).isEqualTo(inOrder);
        driver.advanceWallClockTime(GRACE.multipliedBy(2));
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(series()).anyMatch(l -> l.startsWith("hebbscope_train_loss{run=\"late-start\"}"));
    }

    /**
     * Blocks that waited for their run are released in the order they arrived, also when many arrived in the same
     * millisecond and their offsets cross a power of ten (a text order would put offset 100 before 99, and more than
     * the assembler's window of steps out of order would skip steps for good).
     */
    @Test
    void manyBlocksThatWaitedInOneMillisecondAreReleasedInOffsetOrder() {
        int steps = 150;
        start(AdmissionSettings.DEFAULTS.withUnknownRunGrace(GRACE));
        LayerStepFixture f = layer("many", steps);
        started(LayerStepFixture.runStarted("many", steps, f.shape()));
        for (int s = 0; s < steps; s++) {
            f.blocksOf(s).forEach(this::send);
        }
        List<LayerAlignment> inOrder = layers.readValuesToList();
        assertThat(inOrder).hasSize(steps);
        stop();

        start(AdmissionSettings.DEFAULTS.withUnknownRunGrace(GRACE));
        for (int s = 0; s < steps; s++) {
            f.blocksOf(s).forEach(this::send);
        }
        assertThat(layers.isEmpty()).isTrue();
        started(LayerStepFixture.runStarted("many", steps, f.shape()));
        assertThat(layers.readValuesToList()).isEqualTo(inOrder);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    /**
     * Each malformed kind of the hostile test (625 each there, 25 each here), beside a good run: the dead letters per
     * reason are exactly what was sent, and every record read is accepted, a counted duplicate or a dead letter.
     */
    @Test
    void everyMalformedKindIsDeadLetteredWithItsReasonAndEveryRecordIsAccountedFor() {
        int n = 25;
        start(AdmissionSettings.DEFAULTS.withUnknownRunGrace(GRACE).withMaxActiveRuns(3));
        LayerStepFixture good = layer("good", 4 * n);
        LayerShape wide = new LayerShape("layer0", 0, 128, 3, 128, 1);
        started(LayerStepFixture.runStarted("good", 4 * n, good.shape()));
        started(LayerStepFixture.runStarted("wide", 4 * n, wide));
        started(LayerStepFixture.runStarted("good", 4 * n, good.shape()));                     // a duplicate
        Map<String, Integer> sent = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            LayerStep step = good.blocksOf(2 * i).get(0);
            send(step);
            send(step);                                                                           // a duplicate
            // layer steps: a key that does not match the payload, no key, a run that never started, blocks
            // inconsistent with the run's RunStarted (999 rows instead of 128; 3 blocks instead of 1)
            layerSteps.pipeInput("good/layer0/" + (i + 1), EventCodec.get().encode(good.blocksOf(2 * i + 1).get(0)));
            layerSteps.pipeInput((String) null, EventCodec.get().encode(good.blocksOf(2 * i + 1).get(0)));
            send(layer("never-started-" + i, 1).blocksOf(0).get(0));
            LayerStep w = new LayerStepFixture("wide", "layer0", 0, 128, 3, 1, false, new long[] {i}, i).blocksOf(0).get(0);
            send(LayerStep.newBuilder(w).setLayerRows(999).build());
            send(LayerStep.newBuilder(w).setBlockCount(3).build());
            layerSteps.pipeInput("garbage/layer0/0", new byte[] {1, 2, 3});
            // runs: invalid RunStarted records (rows 2^31-1, blocks -3, totalSteps -5, publishEvery 0), a mismatched key,
            // no key, beyond the active runs, a second RunStarted for an admitted run id
            RunStarted valid = LayerStepFixture.runStarted("bad-" + i, 10, good.shape());
            RunStarted invalid = switch (i % 4) {
                case 0 -> withLayer(valid, new LayerShape("layer0", 0, Integer.MAX_VALUE, 3, 4, 1));
                case 1 -> withLayer(valid, new LayerShape("layer0", 0, 4, 3, 4, -3));
                case 2 -> RunStarted.newBuilder(valid).setTotalSteps(-5).build();
                default -> RunStarted.newBuilder(valid).setPublishEvery(0).build();
            };
            started(invalid);
            runs.pipeInput("someone-else/started", EventCodec.get().encode(valid));
            runs.pipeInput((String) null, EventCodec.get().encode(valid));
            if (i == 0) {
                started(LayerStepFixture.runStarted("third", 10, good.shape()));               // the last free slot
            }
            started(LayerStepFixture.runStarted("extra-" + i, 10, good.shape()));
            started(LayerStepFixture.runStarted("good", 4 * n + 1, good.shape()));
            // train metrics: a mismatched key, no key, a run that never started, NaN loss
            trainMetrics.pipeInput("other", stepMetrics("good", 2 * i));
            trainMetrics.pipeInput((String) null, stepMetrics("good", 2 * i));
            trainMetrics.pipeInput("never-started-" + i, stepMetrics("never-started-" + i, 0));
            trainMetrics.pipeInput("good", EventCodec.get().encode(StepMetrics.newBuilder().setRunId("good").setStep(0).setEpoch(0)
                .setTrainLoss(Double.NaN).setLearningRate(0.1).setTimestampMs(1).build()));
            trainMetrics.pipeInput("good", stepMetrics("good", 2 * i));
        }
        finished("good");
        finished("good");                                                                         // a duplicate
        driver.advanceWallClockTime(GRACE.plusSeconds(1));
        sent.put("adm.layer-steps/key_mismatch", n);
        sent.put("adm.layer-steps/null_key", n);
        sent.put("adm.layer-steps/unknown_run", n);
        sent.put("adm.layer-steps/run_mismatch", 2 * n);
        sent.put("adm.layer-steps/decode", n);
        sent.put("adm.runs/invalid_run", n);
        sent.put("adm.runs/key_mismatch", n);
        sent.put("adm.runs/null_key", n);
        sent.put("adm.runs/too_many_runs", n);
        sent.put("adm.runs/conflicting_run", n);
        sent.put("adm.train-metrics/key_mismatch", n);
        sent.put("adm.train-metrics/null_key", n);
        sent.put("adm.train-metrics/unknown_run", n);
        sent.put("adm.train-metrics/non_finite", n);

        Map<String, Double> dead = counters("hebbscope_dead_letters");
        System.out.println("dead letters per topic/reason: " + dead);
        Map<String, Integer> deadInt = new TreeMap<>();
        dead.forEach((k, v) -> {
            if (v > 0) {
                deadInt.put(k, v.intValue());
            }
        });
        assertThat(deadInt).isEqualTo(sent);
        Map<String, Integer> letters = new TreeMap<>();
        for (DeadLetter d : deadLetters.readValuesToList()) {
            letters.merge(d.getSourceTopic() + "/" + d.getReason().substring(0, d.getReason().indexOf(':')), 1, Integer::sum);
        }
        assertThat(letters).isEqualTo(sent);
        // the good run's odd steps were all rejected: each even step waits for its predecessor, and with at most 4
        // steps waiting (the settings) all but the last 4 are given up on and analyzed
        assertThat(layers.readValuesToList()).hasSize(n - 4);

        Map<String, Double> read = counters("hebbscope_records_processed");
        Map<String, Double> accepted = counters("hebbscope_records_accepted");
        Map<String, Double> duplicates = counters("hebbscope_duplicate_records");
        System.out.println("read " + read + ", accepted " + accepted + ", duplicates " + duplicates);
        for (String topic : List.of(topics.layerSteps().name(), topics.runs().name(), topics.trainMetrics().name())) {
            double deadOfTopic = dead.entrySet().stream().filter(e -> e.getKey().startsWith(topic + "/"))
                .mapToDouble(Map.Entry::getValue).sum();
            assertThat(accepted.getOrDefault(topic, 0.0) + duplicates.getOrDefault(topic, 0.0) + deadOfTopic).as(topic)
                .isEqualTo(read.get(topic));
        }
        assertThat(accepted).containsEntry(topics.layerSteps().name(), (double) n)
            .containsEntry(topics.runs().name(), 4.0)             // good, wide, third, the RunFinished
            .containsEntry(topics.trainMetrics().name(), (double) n);
        assertThat(duplicates).containsEntry(topics.layerSteps().name(), (double) n)
            .containsEntry(topics.runs().name(), 2.0);
    }

    private static RunStarted withLayer(RunStarted r, LayerShape shape) {
        return RunStarted.newBuilder(r).setLayers(List.of(shape)).build();
    }

    /**
     * A flood of 10,000 fake run ids (layer steps and train metrics without RunStarted), 10,000 valid RunStarted with
     * distinct ids and 1,000 runs started and finished at once: the runs with series never exceed the cap, nor the series.
     */
    @Test
    void aFloodOfRunIdsKeepsTheSeriesWithinTheCap() {
        int cap = 10;
        start(AdmissionSettings.DEFAULTS.withUnknownRunGrace(GRACE).withMaxActiveRuns(cap).withMaxWaitingRecords(1_000));
        LayerStepFixture real = layer("real", 3);
        started(LayerStepFixture.runStarted("real", 3, real.shape()));
        real.blocksOf(0).forEach(this::send);
        int baseline = series().size();
        for (int i = 0; i < 10_000; i++) {
            String run = "flood-" + i;
            send(layer(run, 1).blocksOf(0).get(0));
            trainMetrics.pipeInput(run, stepMetrics(run, 0));
        }
        int afterUnknown = series().size();
        for (int i = 0; i < 10_000; i++) {
            String run = "started-" + i;
            started(LayerStepFixture.runStarted(run, 1, layer(run, 1).shape()));
            send(layer(run, 1).blocksOf(0).get(0));
            trainMetrics.pipeInput(run, stepMetrics(run, 0));
        }
        int afterStarted = series().size();
        for (int i = 0; i < cap - 1; i++) {
            finished("started-" + i); // the admitted ones end, and free their places for the churn
        }
        for (int i = 0; i < 1_000; i++) {
            String run = "churn-" + i;
            started(LayerStepFixture.runStarted(run, 1, layer(run, 1).shape()));
            send(layer(run, 1).blocksOf(0).get(0));
            finished(run);
        }
        real.blocksOf(1).forEach(this::send);
        driver.advanceWallClockTime(GRACE.plusSeconds(1));
        real.blocksOf(2).forEach(this::send);
        List<String> all = series();
        long runsWithSeries = all.stream().filter(l -> l.contains("run=\""))
            .map(l -> l.substring(l.indexOf("run=\"") + 5, l.indexOf('"', l.indexOf("run=\"") + 5))).distinct().count();
        int perRun = perRunSeries(all, "real");
        Map<String, Double> dead = counters("hebbscope_dead_letters");
        System.out.printf("flood of run ids: series %d before, %d after 10,000 unknown run ids, %d after 10,000 RunStarted, "
                + "%d after 1,000 started and finished runs; %d runs with series (cap %d), %d series per run; dead letters %s%n",
            baseline, afterUnknown, afterStarted, all.size(), runsWithSeries, cap, perRun, dead);
        // no series of the unknown runs: only the few label values of the dead letters and waiting records counters
        assertThat(afterUnknown).isLessThanOrEqualTo(baseline + 8);
        assertThat(series()).noneMatch(l -> l.contains("run=\"flood-"));
        assertThat(runsWithSeries).isLessThanOrEqualTo(cap);
        assertThat(all.size()).isLessThanOrEqualTo(baseline + (cap - 1) * perRun + 64);
        assertThat(layers.readValuesToList()).extracting(LayerAlignment::getRunId).contains("real");
        // the flood's records, and those of the RunStarted beyond the cap (their RunStarted is a dead letter)
        assertThat(dead).containsEntry("adm.layer-steps/unknown_run", 10_000.0 + 10_000 - (cap - 1))
            .containsEntry("adm.train-metrics/unknown_run", 10_000.0 + 10_000 - (cap - 1))
            .containsEntry("adm.runs/too_many_runs", 10_000.0 - (cap - 1));
        assertThat(dead.keySet()).containsOnly("adm.layer-steps/unknown_run", "adm.train-metrics/unknown_run",
            "adm.runs/too_many_runs");
        assertThat(counters("hebbscope_records_accepted")).containsEntry("adm.runs", 1.0 + (cap - 1) + (cap - 1) + 2_000);
    }

    /**
     * Issue 11, item 4: a trainer resumed from its checkpoint after step 2 publishes steps 3 and 4 again (here with other
     * values, as another backend could): the analyzer keeps the first copies; the second ones are counted duplicates
     * that change no output and no metric, and the run goes on with step 5.
     */
    @Test
    void stepsPublishedAgainByAResumedTrainerAreCountedDuplicatesThatChangeNothing() {
        start(AdmissionSettings.DEFAULTS.withUnknownRunGrace(GRACE));
        LayerStepFixture f = layer("again", 6);
        LayerStepFixture other = new LayerStepFixture("again", "layer0", 0, 4, 3, 1, false, new long[] {0, 1, 2, 3, 4, 5}, 99);
        started(LayerStepFixture.runStarted("again", 6, f.shape()));
        for (int s = 0; s < 5; s++) {
            f.blocksOf(s).forEach(this::send);
            trainMetrics.pipeInput("again", metricsWithLoss("again", s, 1.0 / (s + 1)));
        }
        List<LayerAlignment> first = layers.readValuesToList();
        assertThat(first).extracting(LayerAlignment::getStep).containsExactly(0L, 1L, 2L, 3L, 4L);
        String lossBefore = trainLoss("again");
        for (int s = 3; s < 5; s++) {
            other.blocksOf(s).forEach(this::send);
            trainMetrics.pipeInput("again", metricsWithLoss("again", s, 9.0));
        }
        assertThat(layers.isEmpty()).isTrue();
        assertThat(trainLoss("again")).isEqualTo(lossBefore);
        assertThat(counters("hebbscope_duplicate_records")).containsEntry(topics.layerSteps().name(), 2.0)
            .containsEntry(topics.trainMetrics().name(), 2.0);
        f.blocksOf(5).forEach(this::send);
        trainMetrics.pipeInput("again", metricsWithLoss("again", 5, 0.125));
        assertThat(layers.readValuesToList()).extracting(LayerAlignment::getStep).containsExactly(5L);
        assertThat(trainLoss("again")).contains("0.125");
        assertThat(counters("hebbscope_records_accepted")).containsEntry(topics.layerSteps().name(), 6.0)
            .containsEntry(topics.trainMetrics().name(), 6.0);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    private static byte[] metricsWithLoss(String run, long step, double loss) {
        return EventCodec.get().encode(StepMetrics.newBuilder().setRunId(run).setStep(step).setEpoch(0).setTrainLoss(loss)
            .setLearningRate(0.1).setTimestampMs(1).setWeightNorms(List.of(1.0)).build());
    }

    private String trainLoss(String run) {
        return series().stream().filter(l -> l.startsWith("hebbscope_train_loss{run=\"" + run + "\"}")).findFirst()
            .orElseThrow();
    }

    private static int perRunSeries(List<String> series, String run) {
        return (int) series.stream().filter(l -> l.contains("run=\"" + run + "\"")).count();
    }

    /** The exported series, one line each (text format, comments dropped). */
    private List<String> series() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    }

    /** A counter's values by their topic and reason labels joined with '/'. */
    private Map<String, Double> counters(String name) {
        Map<String, Double> out = new TreeMap<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getPrometheusName().equals(name)) {
                for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) snapshot).getDataPoints()) {
                    List<String> values = new ArrayList<>();
                    for (String label : List.of("topic", "reason")) {
                        if (p.getLabels().contains(label)) {
                            values.add(p.getLabels().get(label));
                        }
                    }
                    out.put(String.join("/", values), p.getValue());
                }
            }
        }
        return out;
    }
}
